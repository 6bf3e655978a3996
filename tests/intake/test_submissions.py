"""The intake API's accept-then-register road: 202 with a reserved number, one ticket later."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse

from aftersales.celery import app
from feedback.models import CustomerMessage
from intake import services
from intake.models import Submission
from intake.services import Complaint, SubmissionNudger, submission_accept, submissions_drain
from intake.tasks import submissions_drain_task
from tests.intake.test_register import payload
from tickets.models import Customer, Ticket, User
from tickets.selectors import core, user_holds_permission

NOW = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


@pytest.fixture
def published(monkeypatch):
    """The task names published to the broker's default queue during the test (no worker
    runs in these tests: the messages stay there). A publish an earlier test left owed is
    let land first, and this test's commits nudge through a nudger of their own."""
    if owed := services._submission_nudge.owed:
        owed.join(timeout=5)
    monkeypatch.setattr(services, "_submission_nudge", SubmissionNudger())
    with app.connection_for_write() as connection_:
        client = connection_.default_channel.client
        client.delete("celery")
        yield lambda: [json.loads(raw)["headers"]["task"] for raw in client.lrange("celery", 0, -1)]
        client.delete("celery")


def test_accepted_is_202_with_a_reserved_number_and_registered_under_it(api_as, agent):
    response = api_as(agent).post(reverse("api-submission"), payload(), format="json")

    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "pending" and body["registered_at"] is None
    assert body["number"].startswith("SH-")
    assert not Ticket.objects.exists()

    assert submissions_drain() == 1

    ticket = Ticket.objects.get()
    submission = Submission.objects.get()
    assert ticket.number == body["number"] == submission.number
    assert (submission.state, submission.ticket, submission.attempts) == ("registered", ticket, 1)
    # The clock starts when the customer's complaint was accepted, not when it was worked.
    assert ticket.received_at == submission.received_at
    assert ticket.registered_by == agent and ticket.customer.phone == "+8613812345678"
    assert ticket.description_confirmed and ticket.tags.exists()
    assert CustomerMessage.objects.filter(ticket=ticket, kind="acknowledgement").count() == 1

    status = api_as(agent).get(reverse("api-submission-detail", args=[body["number"]]))
    assert status.status_code == 200
    assert status.json()["state"] == "registered" and status.json()["number"] == ticket.number


def test_a_retry_answers_200_with_the_first_and_makes_one_ticket(api_as, agent):
    client = api_as(agent)
    first = client.post(reverse("api-submission"), payload(), format="json")
    again = client.post(reverse("api-submission"), payload(description="改了"), format="json")
    submissions_drain()
    late = client.post(reverse("api-submission"), payload(), format="json")

    assert (first.status_code, again.status_code, late.status_code) == (202, 200, 200)
    assert first.json()["number"] == again.json()["number"] == late.json()["number"]
    assert late.json()["state"] == "registered"
    assert Submission.objects.count() == 1 and Ticket.objects.count() == 1
    assert Ticket.objects.get().description.startswith("空调")


def test_bad_input_is_400_naming_the_field_and_stores_nothing(api_as, agent):
    response = api_as(agent).post(
        reverse("api-submission"), payload(phone="12345", customer_name=" "), format="json"
    )
    assert response.status_code == 400
    assert sorted(response.json()) == ["customer_name", "phone"]
    assert not Submission.objects.exists() and not Customer.objects.exists()


def test_roles_without_add_permission_cannot_submit(api_as, product_manager):
    response = api_as(product_manager).post(reverse("api-submission"), payload(), format="json")
    assert response.status_code == 403
    assert not Submission.objects.exists()


def test_only_the_submitter_may_ask_where_a_submission_stands(api_as, agent, store_clerk):
    number = api_as(agent).post(reverse("api-submission"), payload(), format="json").json()
    url = reverse("api-submission-detail", args=[number["number"]])
    assert api_as(store_clerk).get(url).status_code == 404
    assert api_as(agent).get(url).status_code == 200


def test_a_store_clerks_submission_is_for_their_own_store(api_as, store_clerk, store_b):
    api_as(store_clerk).post(
        reverse("api-submission"),
        payload(channel="store", confirmed_via="store", store=store_b.code),
        format="json",
    )
    submissions_drain()
    assert Ticket.objects.get().store == store_clerk.store


def test_input_the_world_no_longer_accepts_fails_named_and_is_not_retried(db, agent):
    submission, _ = submission_accept(complaint=Complaint(**payload()), actor=agent, now=NOW)
    Submission.objects.filter(pk=submission.pk).update(payload={**submission.payload, "phone": "1"})

    assert submissions_drain() == 1
    assert submissions_drain() == 0

    submission.refresh_from_db()
    assert submission.state == "failed" and submission.error.startswith("phone: ")
    assert not Ticket.objects.exists()


def test_drain_works_oldest_first_and_a_second_drain_finds_nothing(db, agent):
    numbers = [
        submission_accept(
            complaint=Complaint(**payload(external_ref=f"ref-{i}")),
            actor=agent,
            now=NOW + timedelta(seconds=i),
        )[0].number
        for i in range(3)
    ]
    assert submissions_drain() == 3
    assert submissions_drain() == 0
    registered = Ticket.objects.order_by("pk").values_list("number", flat=True)
    assert list(registered) == numbers


def test_a_process_publishes_at_most_one_drain_a_window(published):
    nudge = SubmissionNudger(window=60)
    nudge(now=100.0)  # opens a window: published at once
    assert published() == [submissions_drain_task.name]
    nudge(now=100.4)  # inside it: owed at the window's end, not now
    nudge(now=130.0)  # already owed: nothing more
    assert published() == [submissions_drain_task.name]
    assert nudge.owed is not None and 59 < nudge.owed.interval <= 59.6
    nudge.owed.cancel()


def test_a_commit_inside_the_window_is_published_at_its_end(published):
    """A submission committed in a shut window still gets its drain, about a window later:
    without it, it would wait for the 30 s sweep."""
    nudge = SubmissionNudger(window=0.2)
    nudge()
    nudge()
    owed = nudge.owed
    owed.join(timeout=5)

    assert not owed.is_alive() and nudge.owed is None
    assert published() == [submissions_drain_task.name] * 2
    nudge()  # within the window the owed publish opened: owed again
    assert nudge.owed is not None
    nudge.owed.join(timeout=5)
    assert published() == [submissions_drain_task.name] * 3


def test_an_accepted_submission_nudges_after_commit(
    db, agent, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission_accept(complaint=Complaint(**payload(external_ref="a")), actor=agent)
    assert published() == []  # nothing before the commit: a rollback publishes nothing

    callbacks[0]()
    assert published() == [submissions_drain_task.name]


@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_register_each_submission_once():
    for i in range(12):
        submission_accept(complaint=Complaint(**payload(external_ref=f"c-{i}")), actor=None)
    worked, barrier = [], threading.Barrier(3)

    def drain():
        barrier.wait()
        try:
            worked.append(submissions_drain())
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(worked) == 12
    assert Ticket.objects.count() == 12
    assert set(Submission.objects.values_list("state", flat=True)) == {"registered"}


def test_the_drain_is_swept_every_30_seconds():
    entries = [
        e for e in app.conf.beat_schedule.values() if e["task"] == submissions_drain_task.name
    ]
    assert [entry["schedule"] for entry in entries] == [30.0]


@pytest.mark.parametrize(
    "perm",
    [
        "tickets.add_ticket",
        "tickets.view_all_tickets",
        "tickets.reveal_customer",
        "intake.add_call",
    ],
)
def test_one_permission_query_agrees_with_has_perm_for_every_role(db, perm):
    users = [
        User.objects.create(username=f"u-{group.name}", is_active=True)
        for group in Group.objects.all()
    ]
    for user, group in zip(users, Group.objects.all(), strict=True):
        user.groups.add(group)
    direct = User.objects.create(username="direct")
    app_label, codename = perm.split(".")
    direct.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    inactive = User.objects.create(username="inactive", is_active=False, is_superuser=True)
    superuser = User.objects.create(username="super", is_superuser=True)
    nobody = User.objects.create(username="nobody")
    everyone = [*users, direct, inactive, superuser, nobody]

    answers = {u.username: user_holds_permission(u, perm) for u in everyone}

    expected = {u.username: User.objects.get(pk=u.pk).has_perm(perm) for u in everyone}
    assert answers == expected
    assert answers["direct"] and answers["super"]
    assert not answers["nobody"] and not answers["inactive"]
    assert len(users) >= 5 and any(answers[u.username] for u in users)


def test_the_permission_check_follows_a_permission_made_again(db, agent):
    """It keeps permission ids: a row made again under a new id (as migrate or an admin
    might) must be followed, not answered from the old id; an unknown one is refused."""
    assert user_holds_permission(agent, "tickets.add_ticket")
    old = Permission.objects.get(content_type__app_label="tickets", codename="add_ticket")
    groups = list(old.group_set.all())
    content_type, name, old_pk = old.content_type, old.name, old.pk
    old.delete()
    assert not user_holds_permission(agent, "tickets.add_ticket")
    again = Permission.objects.create(content_type=content_type, codename="add_ticket", name=name)
    again.group_set.set(groups)

    assert again.pk != old_pk
    assert user_holds_permission(agent, "tickets.add_ticket")
    assert not user_holds_permission(agent, "tickets.no_such_permission")


def test_a_kept_permission_id_left_by_a_rolled_back_change_is_not_trusted(db, agent, monkeypatch):
    monkeypatch.setitem(core._permission_ids, "tickets.add_ticket", 10**9)  # no such row
    assert user_holds_permission(agent, "tickets.add_ticket")
    # Someone else's permission under the kept id is not this one.
    other = Permission.objects.get(content_type__app_label="tickets", codename="delete_ticket")
    monkeypatch.setitem(core._permission_ids, "tickets.add_ticket", other.pk)
    assert user_holds_permission(agent, "tickets.add_ticket")
    assert not user_holds_permission(agent, "tickets.delete_ticket")


@pytest.mark.parametrize("value", [41, 1_234_567])
def test_the_reserved_number_is_formatted_as_every_ticket_number(db, agent, value):
    """The one-statement insert formats the sequence in SQL; it must agree with Python's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM tickets_ticket_number_seq")
        (before,) = cursor.fetchone()
        cursor.execute("SELECT setval('tickets_ticket_number_seq', %s)", [value - 1])
    try:
        submission, created = submission_accept(
            complaint=Complaint(**{**payload(), "phone": "+8613812345678"}), actor=agent, now=NOW
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval('tickets_ticket_number_seq', %s)", [max(before, 1)])
    assert created
    assert submission.number == f"SH-20261122-{value:06d}"
    assert Submission.objects.get(pk=submission.pk).number == submission.number
