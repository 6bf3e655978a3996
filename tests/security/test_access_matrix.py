"""Who sees what: every role against every page and endpoint, from one table.

The table is keyed by URL name; the test enumerates django.urls.get_resolver(), so a new URL
without a row fails `test_every_url_has_a_row`. GET rows check allowed and denied; POST rows
check only denial (a POST as a role allowed to make it would need a valid body per form).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import ANONYMOUS, EVERYONE, ROLES, World
from tickets.models import Customer, User

pytestmark = pytest.mark.django_db

# Not ours to test here, and why: Django's admin has its own staff/permission checks;
# set_language is a public language switch with no data behind it.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"set_language"}


def _walk(resolver: URLResolver, namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _walk(entry, inner)
        else:
            found.append((f"{namespace}{entry.name or entry.pattern}", entry))
    return found


def url_names() -> list[str]:
    return sorted({name for name, _ in _walk(get_resolver())} - SKIPPED_NAMES)


def outcome(response, role: str) -> str:
    """allowed, denied or error, as the role's answer is read."""
    code = response.status_code
    if code >= 500:
        return f"error {code}"
    location = response.get("Location", "")
    if code == 302 and location.startswith("/login/"):
        return "denied"
    if code in (401, 403, 404, 405):
        return "denied"
    return "allowed"


def _first_pk(model, **filters) -> int:
    return model.objects.filter(**filters).values_list("pk", flat=True).first() or 999_999


def objects(world: World) -> dict[str, object]:
    """One object of each kind the URLs name, from the demo (999999 where it has none)."""
    from django.core import signing

    from feedback.models import CallbackTask
    from intake.views.web import DONE_SALT
    from knowledge.models import Alert, Article, MonthlyReport, PlanAction, ProblemReport
    from tickets.models import Attachment, SavedFilter, SubTask, Ticket, Transfer, Visit

    web = Ticket.objects.filter(channel=Ticket.Channel.WEB).first()
    report = MonthlyReport.objects.first()
    return {
        "code": "kitchen",
        "visit": _first_pk(Visit),
        "subtask": _first_pk(SubTask),
        "transfer": _first_pk(Transfer),
        "attachment": _first_pk(Attachment),
        "saved_filter": _first_pk(SavedFilter),
        "callback": _first_pk(CallbackTask),
        "article": _first_pk(Article, status="published"),
        "report": _first_pk(ProblemReport),
        "plan_action": _first_pk(PlanAction),
        "alert": _first_pk(Alert),
        "month": str(report) if report else "2026-01",
        "web_token": signing.dumps(web.pk, salt=DONE_SALT) if web else "x",
    }


@dataclass(frozen=True)
class Row:
    """Who may use one URL. `method` GET checks both ways; POST checks denial only."""

    allowed: frozenset[str]
    method: str = "GET"
    ticket: str = "team_ticket"  # which World ticket fills <number>
    pk: str = ""  # which objects() entry fills <pk>
    public: bool = False  # anonymous allowed too: only "no 5xx, no login wall" is checked
    deny_only: bool = False  # GET, but the demo has no such object: denial only
    data: str = ""  # a JSON body that passes validation, so that denial is what refuses


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


ALL_ROLES = frozenset(ROLES)
NOBODY = frozenset()
# Roles that work tickets (and may reveal a customer).
WORKERS = _roles("agent", "engineer", "team_lead", "manager", "admin")
LEADS = _roles("team_lead", "manager", "admin")
SUBTASK_WORKERS = WORKERS | {"warehouse"}
APPROVERS = _roles("product_director", "rnd_lead", "quality_lead")
KB_READERS = WORKERS | {"store_staff", "product_manager"} | APPROVERS
KB_WRITERS = _roles("agent", "engineer", "team_lead", "manager", "product_manager", "admin")
KB_PUBLISHERS = _roles("team_lead", "manager", "admin")
LOOP_READERS = _roles("manager", "product_manager", "admin") | APPROVERS
SUGGESTION_READERS = _roles("manager", "product_manager", "admin") | APPROVERS
PUBLIC = frozenset(EVERYONE)
POST = "POST"
PLAN_OWNERS = _roles("product_manager", "admin")  # who writes and ships the improvement plan
REGISTRARS = _roles("agent", "team_lead", "manager", "store_staff", "admin")

ROWS: dict[str, Row] = {
    # Entry points.
    "": Row(PUBLIC, public=True),
    "favicon.ico": Row(PUBLIC, public=True),
    "healthz": Row(PUBLIC, public=True),
    "login": Row(PUBLIC, public=True),
    "logout": Row(PUBLIC, method=POST),  # allowed to all: nothing to deny
    "swagger-ui": Row(PUBLIC, public=True),
    "schema": Row(PUBLIC, public=True),
    # Ticket pages: object level through the team, the store, or neither.
    "tickets:list": Row(ALL_ROLES),
    "tickets:detail": Row(_roles("agent", "team_lead", "manager", "admin")),
    "tickets:attachment": Row(
        LEADS | {"store_staff"}, ticket="own_store_ticket", pk="attachment", deny_only=True
    ),
    "tickets:saved_filter_create": Row(ALL_ROLES, method=POST),
    "tickets:saved_filter_delete": Row(ALL_ROLES, method=POST, pk="saved_filter"),
    "tickets:transition": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "tickets:reveal": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "tickets:wechat_reply": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "tickets:work_action": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "tickets:work_tag_add": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "tickets:work_tag_review": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    # Team leads.
    "tickets:team": Row(LEADS),
    "tickets:team_bulk_assign": Row(LEADS, method=POST),
    "tickets:team_roster": Row(LEADS, method=POST),
    # Dispatch: sub-tasks and transfers.
    "tickets:inbox": Row(SUBTASK_WORKERS),
    "tickets:subtask_request": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "tickets:subtask_start": Row(SUBTASK_WORKERS, method=POST, pk="subtask"),
    "tickets:subtask_complete": Row(SUBTASK_WORKERS, method=POST, pk="subtask"),
    "tickets:subtask_cancel": Row(SUBTASK_WORKERS, method=POST, pk="subtask"),
    "tickets:transfer_request": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "tickets:transfer_accept": Row(WORKERS, method=POST, pk="transfer"),
    "tickets:transfer_decline": Row(WORKERS, method=POST, pk="transfer"),
    "tickets:transfer_cancel": Row(WORKERS, method=POST, pk="transfer"),
    # On-site visits and mail-in repair.
    "tickets:visits": Row(ALL_ROLES),  # each sees only their own visits
    "tickets:visit": Row(_roles("engineer", "manager", "admin"), pk="visit", deny_only=True),
    "tickets:visit_reveal": Row(_roles("engineer", "manager", "admin"), method=POST, pk="visit"),
    "tickets:visit_complete": Row(_roles("engineer", "admin"), method=POST, pk="visit"),
    "tickets:visit_not_done": Row(_roles("engineer", "admin"), method=POST, pk="visit"),
    "tickets:visit_suggestions": Row(_roles("agent", "team_lead", "manager", "admin")),
    "tickets:visit_schedule": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "tickets:visit_reschedule": Row(WORKERS, method=POST, pk="visit"),
    "tickets:visit_cancel": Row(WORKERS, method=POST, pk="visit"),
    "tickets:mailin_start": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "tickets:mailin_advance": Row(WORKERS, method=POST, pk="visit"),
    "tickets:mailin_cancel": Row(WORKERS, method=POST, pk="visit"),
    # Feedback: KPIs, callbacks, delivery receipts (token, not login), the survey (token).
    "feedback:kpis": Row(LEADS),
    "feedback:kpis_export": Row(LEADS),
    "feedback:callbacks": Row(WORKERS),
    "feedback:callback": Row(WORKERS, pk="callback", deny_only=True),
    "feedback:receipts_aliyun": Row(NOBODY, method=POST),
    "feedback:receipts_tencent": Row(NOBODY, method=POST),
    "survey": Row(PUBLIC, public=True),  # a token in an SMS, not a login
    # SLA dashboard.
    "sla:dashboard": Row(LEADS),
    "sla:export": Row(LEADS),
    # Knowledge base.
    "knowledge:article_list": Row(KB_READERS),
    "knowledge:article_create": Row(KB_WRITERS),
    "knowledge:article_detail": Row(KB_READERS, pk="article"),
    "knowledge:article_edit": Row(KB_WRITERS, pk="article"),
    "knowledge:article_publish": Row(KB_PUBLISHERS, method=POST, pk="article"),
    "knowledge:article_retire": Row(KB_PUBLISHERS, method=POST, pk="article"),
    "knowledge:article_version": Row(KB_READERS, pk="article"),
    "knowledge:ticket_article_solved": Row(WORKERS, method=POST, pk="article"),
    "knowledge:public_suggest": Row(PUBLIC, public=True),
    "knowledge:public_article": Row(PUBLIC, public=True, pk="article"),
    "knowledge:public_deflect": Row(PUBLIC, method=POST, pk="article"),
    # The improvement loop.
    "knowledge:suggestions": Row(SUGGESTION_READERS),
    "knowledge:report_list": Row(LOOP_READERS),
    "knowledge:report_create": Row(_roles("manager", "product_manager", "quality_lead", "admin")),
    "knowledge:report_detail": Row(LOOP_READERS, pk="report"),
    "knowledge:report_update": Row(LOOP_READERS, method=POST, pk="report"),
    "knowledge:report_tickets_add": Row(LOOP_READERS, method=POST, pk="report"),
    "knowledge:report_ticket_remove": Row(LOOP_READERS, method=POST, pk="report"),
    "knowledge:report_status": Row(LOOP_READERS, method=POST, pk="report"),
    "knowledge:plan_save": Row(LOOP_READERS, method=POST, pk="report"),
    "knowledge:plan_action_add": Row(LOOP_READERS, method=POST, pk="report"),
    "knowledge:plan_action_remove": Row(PLAN_OWNERS, method=POST, pk="report"),
    "knowledge:plan_action_status": Row(LOOP_READERS, method=POST, pk="report"),
    "knowledge:plan_propose": Row(PLAN_OWNERS, method=POST, pk="report"),
    "knowledge:plan_decide": Row(LOOP_READERS, method=POST, pk="report"),
    "knowledge:verification_add": Row(LOOP_READERS, method=POST, pk="report"),
    "knowledge:plan_ship": Row(PLAN_OWNERS, method=POST, pk="report"),
    # Early alerts and the monthly report.
    "knowledge:alert_list": Row(LOOP_READERS),
    "knowledge:alert_detail": Row(LOOP_READERS, pk="alert"),
    "knowledge:alert_acknowledge": Row(
        _roles("manager", "product_manager", "quality_lead", "admin"), method=POST, pk="alert"
    ),
    "knowledge:monthly_list": Row(LOOP_READERS),
    "knowledge:monthly_generate": Row(_roles("manager", "admin"), method=POST),
    "knowledge:monthly_detail": Row(LOOP_READERS),
    "knowledge:monthly_excel": Row(LOOP_READERS),
    "knowledge:monthly_pdf": Row(LOOP_READERS),
    # Intake: the public website form, the store tablet, the hotline, the call centre, WeChat.
    "intake:web_form": Row(PUBLIC, public=True),
    "intake:web_done": Row(PUBLIC, public=True),
    "intake:web_status": Row(PUBLIC, public=True),
    "intake:store_form": Row(_roles("store_staff")),
    # Store staff may register tickets (add_ticket), so the hotline form opens for them too.
    "intake:hotline_form": Row(REGISTRARS),
    "intake:caller_history": Row(REGISTRARS),  # scoped to the tickets the user may see
    "intake:ringing_call": Row(REGISTRARS),
    "intake:call_events": Row(_roles("admin"), method=POST),  # the call centre's user
    "intake:wechat_callback": Row(PUBLIC, method=POST),  # signed by WeChat, not a login
    # API v1.
    "api-ping": Row(ALL_ROLES),
    "api-sla-preview": Row(PUBLIC, public=True),
    "api-ticket-list": Row(ALL_ROLES),
    "api-ticket-detail": Row(_roles("agent", "team_lead", "manager", "admin")),
    "api-ticket-timeline": Row(_roles("agent", "team_lead", "manager", "admin")),
    "api-ticket-transition": Row(
        _roles("agent", "team_lead", "manager", "admin"),
        method=POST,
        data='{"to_status": "contacted"}',
    ),
    "api-ticket-reveal": Row(_roles("agent", "team_lead", "manager", "admin"), method=POST),
    "api-complaint-register": Row(REGISTRARS, method=POST),
    "api-submission": Row(REGISTRARS, method=POST),
    "api-submission-detail": Row(REGISTRARS, deny_only=True),
    "api-triage": Row(PUBLIC, method=POST),  # shows a decision, stores nothing
}


def _path(name: str, row: Row, world: World, objs: dict[str, object]) -> str:
    pattern = dict(_walk(get_resolver()))[name]
    wanted = set(pattern.pattern.regex.groupindex)
    kwargs: dict[str, object] = {}
    if "number" in wanted:
        kwargs["number"] = getattr(world, row.ticket).number
    if "pk" in wanted:
        kwargs["pk"] = objs.get(row.pk, 999_999)
    if "action_pk" in wanted:
        kwargs["action_pk"] = objs["plan_action"]
    if "action" in wanted:
        kwargs["action"] = "note"
    if "code" in wanted:
        kwargs["code"] = objs["code"]
    if "month" in wanted:
        kwargs["month"] = objs["month"]
    if "token" in wanted:
        kwargs["token"] = objs["web_token"] if name == "intake:web_done" else "not-a-token"
    if name == "knowledge:article_version":
        kwargs["number"] = 1
    return reverse(name, kwargs=kwargs) if name not in ("", "favicon.ico") else f"/{name}"


def test_every_url_has_a_row() -> None:
    assert sorted(set(url_names()) - set(ROWS)) == []
    assert sorted(set(ROWS) - set(url_names())) == []


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.IGNORECASE | re.DOTALL)
POST_FORM = re.compile(r"<form\b[^>]*method=[\"']?post", re.IGNORECASE)


def assert_forms_carry_csrf(name: str, role: str, html: str) -> None:
    for form in FORM.findall(html):
        if POST_FORM.match(form):
            assert "csrfmiddlewaretoken" in form, f"{name} as {role}: {form[:200]}"


def _text(response) -> str:
    """What a person could read in the answer: HTML/JSON as text, Excel as its cells."""
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if kind.startswith(("text/", "application/json")):
        return response.content.decode()
    return ""  # PDFs (compressed), files: not read here


@pytest.fixture(scope="module")
def secrets_(world: World) -> tuple[set[str], set[str]]:
    """Every customer's full phone (as stored and as 11 digits) and full name. Names that are
    also a staff member's display name are left out: the page may name the staff member."""
    staff = set(User.objects.values_list("display_name", flat=True))
    phones, names = set(), set()
    for name, phone in Customer.objects.values_list("name", "phone"):
        phones |= {phone, phone.removeprefix("+86")}
        if len(name) >= 2 and name not in staff:
            names.add(name)
    return phones, names


@pytest.mark.parametrize("name", list(ROWS))
def test_role_access(name: str, world: World, secrets_: tuple[set[str], set[str]]) -> None:
    """Allowed roles get in, the others are refused; nothing unmasked; every POST form has
    its CSRF token."""
    row = ROWS[name]
    path = _path(name, row, world, objects(world))
    phones, names = secrets_
    wrong = {}
    if row.public:
        roles = (ANONYMOUS, "agent")
    elif row.method == POST or row.deny_only:
        roles = tuple(role for role in EVERYONE if role not in row.allowed)
    else:
        roles = EVERYONE
    for role in roles:
        client = world.clients[role]
        if row.method == POST:
            response = client.post(path, row.data or {}, content_type="application/json")
        else:
            response = client.get(path)
        got = outcome(response, role)
        expected = "allowed" if role in row.allowed else "denied"
        if row.public:
            expected = "denied" if got == "denied" and response.status_code == 404 else "allowed"
        if got != expected:
            wrong[role] = f"{got} ({response.status_code}), expected {expected}"
            continue
        if got == "allowed" and row.method == "GET":
            text = _text(response)
            leaked = [s for s in phones | names if s in text]
            assert not leaked, f"{name} as {role} shows unmasked {leaked[:3]}"
            assert_forms_carry_csrf(name, role, text)
    assert wrong == {}, f"{name} {path}"
