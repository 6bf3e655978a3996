"""What the messages say: a Chinese template per kind, rendered from a small context.

Placeholders are ``{name}``, substituted from plain strings only (no attribute access, no
template language), so an edited wording in the admin can never reach into the ticket.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from tickets.models import Ticket, User

logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Wording:
    key: str
    body: str
    # Values for optional placeholders the caller may leave out.
    defaults: Mapping[str, str] = field(default_factory=dict)
    # Placeholders an edited wording must keep (the survey's link: without it, no survey).
    required: tuple[str, ...] = ()

    @property
    def placeholders(self) -> tuple[str, ...]:
        """In order of first appearance: Tencent's TemplateParamSet is positional."""
        return tuple(dict.fromkeys(PLACEHOLDER.findall(self.body)))


ACK_URGENT = "acknowledgement_urgent"
SURVEY_LINK = "survey_link"

DEFAULT_WORDINGS: dict[str, Wording] = {
    wording.key: wording
    for wording in [
        # Seed 000: the L1 customer is told at once who will call and by when.
        Wording(
            ACK_URGENT,
            "您好，您的问题已优先处理，售后专员{owner_name}将在1小时内联系您。工单号：{number}。",
        ),
        Wording(
            "acknowledgement",
            "您好，您的售后申请已受理，工单号：{number}。售后专员将在{contact_due}联系您，"
            "请保持电话畅通。",
        ),
        Wording(
            "progress",
            "您好，您的工单{number}正在加紧处理：{progress}。如有疑问请联系售后专员{owner_name}。",
            defaults={"progress": "工程师正在排查问题"},
        ),
        Wording(
            "appointment",
            "您好，您的工单{number}已预约{visit_at}上门服务，工程师{engineer_name}届时与您联系。",
            defaults={"engineer_name": ""},
        ),
        Wording(
            "resolution",
            "您好，您的工单{number}已处理完成：{resolution}。{warranty}如仍有问题请随时联系我们。",
            defaults={"resolution": "问题已处理", "warranty": ""},
        ),
        # A survey without a link (answered by replying to the SMS): kept for callers that
        # pass none; the loop always sends SURVEY_LINK.
        Wording(
            "survey",
            "您好，感谢您对工单{number}的耐心配合。请回复数字1-5为本次服务打分（5分为非常满意）。",
        ),
        # Issue 7: the signed, expiring link to the one-minute survey (feedback.surveys).
        Wording(
            SURVEY_LINK,
            "您好，工单{number}已处理完成，请花1分钟评价本次服务：{link}",
            required=("link",),
        ),
        Wording(
            "callback_appointment",
            "您好，我们将于{callback_at}前就工单{number}的处理结果给您电话回访，请留意来电。",
        ),
        Wording("reply", "您好，关于您的工单{number}：{text}"),
        Wording(
            "fix_notice",
            "您好，您此前反馈的问题（工单{number}）我们已完成改进：{fix}。感谢您帮助我们做得更好。",
            defaults={"fix": "相关问题已修复"},
        ),
    ]
}


class WordingError(ValueError):
    """A caller left out a placeholder the wording needs: a bug, raised at queue time."""


def template_key_for(*, kind: str, ticket: Ticket, context: Mapping[str, Any] | None = None) -> str:
    if kind == "acknowledgement" and ticket.tier == Ticket.Tier.L1:
        return ACK_URGENT
    if kind == "survey" and context and "link" in context:
        return SURVEY_LINK
    return kind


def format_local(moment: datetime) -> str:
    """11月22日 14:00 in Asia/Shanghai (the customer's clock, whatever the server's)."""
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _owner_name(owner: User | None) -> str:
    # Never the login name: a customer is told a person's name or none at all.
    if owner is None:
        return ""
    return owner.display_name or f"{owner.last_name}{owner.first_name}"


def message_context(*, ticket: Ticket, extra: Mapping[str, Any] | None = None) -> dict[str, str]:
    due = ticket.first_contact_due_at
    context = {
        "number": ticket.number,
        "owner_name": _owner_name(ticket.owner),
        "contact_due": f"{format_local(due)}前" if due else "1个工作日内",
    }
    for name, value in (extra or {}).items():
        context[name] = format_local(value) if isinstance(value, datetime) else str(value)
    return context


def wording_placeholders_check(*, key: str, body: str) -> list[str]:
    """The placeholders of an edited body that its default does not offer."""
    allowed = set(DEFAULT_WORDINGS[key].placeholders)
    return [name for name in dict.fromkeys(PLACEHOLDER.findall(body)) if name not in allowed]


def wording_required_missing(*, key: str, body: str) -> list[str]:
    """The placeholders an edited body must keep but left out."""
    present = set(PLACEHOLDER.findall(body))
    return [name for name in DEFAULT_WORDINGS[key].required if name not in present]


def render(*, key: str, context: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """Return (body, params) for the template key, preferring an edited wording.

    An edited wording that no longer renders (a placeholder removed from the code since)
    falls back to the default: a customer message must not fail on an admin's typo.
    """
    from feedback.models import MessageTemplate

    default = DEFAULT_WORDINGS[key]
    values = {**default.defaults, **context}
    missing = [name for name in default.placeholders if name not in values]
    if missing:
        raise WordingError(f"{key} needs {', '.join(missing)}")
    params = {name: values[name] for name in default.placeholders}
    edited = MessageTemplate.objects.filter(key=key).values_list("body", flat=True).first()
    if edited and not (
        wording_placeholders_check(key=key, body=edited)
        or wording_required_missing(key=key, body=edited)
    ):
        return _substitute(edited, values), params
    if edited:
        logger.warning(
            "edited wording %s has unknown or missing placeholders; using the default", key
        )
    return _substitute(default.body, values), params


def _substitute(body: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], body)
