"""`manage.py seed_demo`: load the demo data set (tickets.demo) idempotently; print the logins."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from feedback.models import Survey
from feedback.services import survey_answer, survey_send
from intake.services import Complaint, complaint_register
from knowledge.demo_alerts import alerts_demo_seed
from knowledge.demo_loop import loop_demo_seed
from knowledge.seed_articles import articles_seed
from tickets import demo
from tickets.models import Customer, EngineerProfile, Product, Store, Tag, Team, Ticket, User
from tickets.phones import phone_normalise
from tickets.roles import ROLE_LABELS
from tickets.services import ticket_assign, ticket_transition
from tickets.services.dispatch import subtask_complete, subtask_request
from tickets.services.work import ticket_resolve

PASSWORD_FILE = "demo_password"


class Command(BaseCommand):
    help = "Load demo products, stores, teams, tags, one user per role and ~200 tickets."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        password, source = demo_password()
        with transaction.atomic(), _intake_log_muted(options["verbosity"] < 2):
            teams = _seed_teams()
            stores = _seed_stores()
            _seed_products()
            tags = _seed_tags(teams)
            users = _seed_users(teams=teams, stores=stores, password=password)
            created = _seed_tickets(now=now, users=users, stores=stores, tags=tags, teams=teams)
            # Knowledge: articles; the improvement loop (one plan awaiting its approvals, one
            # fix shipped); then a month of one batch's tickets over the alert threshold and
            # the monthly reports, which list the loop's plans.
            articles_seed(now=now)
            loop_demo_seed(now=now)
            alerts_demo_seed(now=now)
        self._report(created=created, password=password, source=source)

    def _report(self, *, created: int, password: str, source: str) -> None:
        self.stdout.write(
            f"Demo data: {Ticket.objects.count()} tickets ({created} new), "
            f"{Product.objects.count()} products, {Store.objects.count()} stores, "
            f"{Team.objects.count()} teams, {Tag.objects.count()} tags."
        )
        self.stdout.write(f"Demo logins, password {password} ({source}):")
        for row in demo.USERS:
            self.stdout.write(f"  {row.username:<16} {ROLE_LABELS[row.username]}")


def demo_password() -> tuple[str, str]:
    """DEMO_PASSWORD, else the one stored under VAR_DIR, else a new one stored there."""
    if from_env := os.environ.get("DEMO_PASSWORD"):
        return from_env, "from DEMO_PASSWORD"
    path = Path(settings.VAR_DIR) / PASSWORD_FILE
    if path.exists() and (stored := path.read_text().strip()):
        return stored, f"kept in {path}"
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(9)
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password, f"kept in {path}"


@contextmanager
def _intake_log_muted(muted: bool) -> Iterator[None]:
    # complaint_register logs each new ticket; 200 lines would bury the logins `make run` shows.
    logger = logging.getLogger("intake")
    level = logger.level
    if muted:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _seed_teams() -> dict[str, Team]:
    return {
        row.code: Team.objects.update_or_create(
            code=row.code, defaults={"name": row.name, "description": row.description}
        )[0]
        for row in demo.TEAMS
    }


def _seed_stores() -> dict[str, Store]:
    return {
        row.code: Store.objects.update_or_create(
            code=row.code, defaults={"name": row.name, "city": row.city, "address": row.address}
        )[0]
        for row in demo.STORES
    }


def _seed_products() -> None:
    for row in demo.PRODUCTS:
        Product.objects.update_or_create(
            model_code=row.model_code,
            defaults={
                "name": row.name,
                "category": row.category,
                "warranty_months": row.warranty_months,
            },
        )


def _seed_tags(teams: dict[str, Team]) -> dict[tuple[str, str], Tag]:
    tags: dict[tuple[str, str], Tag] = {}
    for parent_name, children in demo.TAGS.items():
        parent, _ = Tag.objects.get_or_create(parent=None, name=parent_name)
        for name, team_code in children:
            tags[parent_name, name], _ = Tag.objects.update_or_create(
                parent=parent, name=name, defaults={"team": teams[team_code]}
            )
    return tags


def _seed_users(
    *, teams: dict[str, Team], stores: dict[str, Store], password: str
) -> dict[str, User]:
    existing = User.objects.filter(username__in=[row.username for row in demo.USERS])
    encoded = _password_hash(password, existing.values_list("password", flat=True))
    first_store = stores[demo.STORES[0].code]
    users: dict[str, User] = {}
    for row in demo.USERS:
        user, _ = User.objects.update_or_create(
            username=row.username,
            defaults={
                "display_name": row.display_name,
                "is_staff": row.is_staff,
                "is_superuser": row.is_superuser,
                "is_active": True,
                "store": first_store if row.at_first_store else None,
                "password": encoded,
            },
        )
        # The role groups come from migration 0003; a missing one is a broken database.
        user.groups.set([Group.objects.get(name=row.username)])
        user.teams.set([teams[code] for code in row.team_codes])
        users[row.username] = user
    for username, (skills, areas) in demo.ENGINEER_PROFILES.items():
        EngineerProfile.objects.update_or_create(
            user=users[username], defaults={"skills": skills, "areas": areas}
        )
    return users


def _password_hash(password: str, stored: Iterable[str]) -> str:
    """A stored hash that already matches the password, else a new one."""
    # One PBKDF2 run (~1 s) instead of seven, and re-seeding keeps the demo users logged in:
    # their session hash derives from the stored password hash.
    for encoded in set(stored):
        if check_password(password, encoded):
            return encoded
    return make_password(password)


def _seed_tickets(
    *,
    now: datetime,
    users: dict[str, User],
    stores: dict[str, Store],
    tags: dict[tuple[str, str], Tag],
    teams: dict[str, Team],
) -> int:
    """Register the planned complaints, walk each along its lifecycle; return how many are new."""
    plan = demo.demo_plan(now=now)
    last = plan.tickets[-1]
    # Seeded before: the last ticket exists only if the whole (atomic) loop once ran.
    if Ticket.objects.filter(channel=last.channel, external_ref=last.external_ref).exists():
        return 0
    created = 0
    for item in plan.tickets:
        registration = complaint_register(
            complaint=_complaint(item, stores=stores, tags=tags),
            actor=users[item.registered_by] if item.registered_by else None,
            now=item.received_at,
        )
        if not registration.created:
            continue
        created += 1
        if item.steps:
            # Whoever first contacts the customer takes the ticket: one accountable owner.
            first = item.steps[0]
            ticket_assign(
                ticket=registration.ticket,
                owner=users[first.actor],
                actor=users[first.actor],
                now=first.at,
            )
        _walk(registration.ticket, item, users=users, teams=teams)
    vip_phones = [phone_normalise(phone) for phone in plan.vip_phones]
    Customer.objects.filter(phone__in=vip_phones).update(is_vip=True)
    return created


def _walk(
    ticket: Ticket, item: demo.TicketPlan, *, users: dict[str, User], teams: dict[str, Team]
) -> None:
    """Each step through the service a person would use: waits for parts or technical
    support are sub-tasks to those teams (answered when the ticket moves on), resolutions
    say how and why."""
    if not item.steps:
        return
    owner = users[item.steps[0].actor]
    waiting_on = None
    for step in item.steps:
        if step.status in demo.SUBTASKS:
            kind, team_code, _helper, _result = demo.SUBTASKS[step.status]
            if teams[team_code].pk != ticket.team_id:
                waiting_on = subtask_request(
                    ticket=ticket,
                    kind=kind,
                    team=teams[team_code],
                    request=step.note,
                    quantity=1 if kind == "parts" else None,
                    actor=owner,
                    now=step.at,
                )
                continue
        if waiting_on is not None and step.status == Ticket.Status.IN_PROGRESS:
            _kind, _team, helper, result = demo.SUBTASKS[f"waiting_{waiting_on.kind}"]
            subtask_complete(subtask=waiting_on, result=result, actor=users[helper], now=step.at)
            waiting_on = None
            continue
        if step.status == Ticket.Status.RESOLVED:
            resolution, cause = demo.RESOLUTIONS[item.problem.kind]
            ticket_resolve(
                ticket=ticket,
                resolution_code=resolution,
                root_cause=cause,
                resolution_note=step.note,
                actor=users[step.actor],
                now=step.at,
            )
            continue
        if step.status in (Ticket.Status.CLOSED, Ticket.Status.REOPENED):
            # The customer's survey closes the ticket, or (below 4, not solved) sends it to
            # second handling: the loop as it runs, not a bare status change.
            _survey_answered(ticket, item, reopen=step.status == Ticket.Status.REOPENED, at=step.at)
            continue
        ticket_transition(
            ticket=ticket,
            to_status=step.status,
            actor=users[step.actor],
            note=step.note,
            now=step.at,
        )


def _survey_answered(ticket: Ticket, item: demo.TicketPlan, *, reopen: bool, at: datetime) -> None:
    ticket.refresh_from_db(fields=["callback_due_at"])
    survey = survey_send(ticket=ticket, callback_due_at=ticket.callback_due_at or at, now=at)
    # Deterministic per ticket: most satisfied customers give 5, some 4; reopened ones 2.
    n = int(item.external_ref.rsplit("-", 1)[-1])
    survey_answer(
        survey=survey,
        satisfaction=2 if reopen else (4 if n % 4 == 0 else 5),
        solved=not reopen,
        nps=(4 if reopen else 10 - n % 3),
        comment="修完还是老样子" if reopen else "",
        via=Survey.Via.LINK,
        now=at,
    )


def _complaint(
    item: demo.TicketPlan, *, stores: dict[str, Store], tags: dict[tuple[str, str], Tag]
) -> Complaint:
    problem = item.problem
    return Complaint(
        channel=item.channel,
        external_ref=item.external_ref,
        customer_name=item.customer_name,
        phone=item.phone,
        description=problem.description,
        product_model=item.product_model,
        batch=item.batch,
        purchase_date=item.purchase_date,
        scene=problem.scene,
        symptom=problem.symptom,
        tried=problem.tried,
        frequency=problem.frequency,
        description_confirmed=item.confirmed,
        confirmed_via=demo.CONFIRMED_VIA[item.channel] if item.confirmed else "",
        customer_urgency=item.urgency,
        tier=problem.tier,
        category=problem.kind,
        store=stores[item.store_code] if item.store_code else None,
        tags=[tags[problem.tag]],
        received_at=item.received_at,
    )
