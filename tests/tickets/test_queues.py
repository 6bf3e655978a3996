"""The ticket list's queues: who sees what, saved filters, keyset pages, a fixed query count."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.tickets.factories import TicketFactory, UserFactory
from tickets.models import Product, SavedFilter, Tag, Ticket, TicketTag
from tickets.selectors import QUEUES

FAR = timedelta(days=5)


def _ticket(*, team, owner=None, status=Ticket.Status.NEW, due_in=FAR, contacted=False):
    """A ticket put straight into the state a queue test needs (reads only, no transitions)."""
    ticket = TicketFactory(team=team)
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        owner=owner,
        status=status,
        first_contacted_at=now if contacted else None,
        first_contact_due_at=now + due_in,
        resolve_due_at=now + due_in,
    )
    return ticket


@pytest.fixture
def cast(team_kitchen, team_aircon, agent, team_lead, manager):
    return {
        "mine_open": _ticket(team=team_kitchen, owner=agent),
        "mine_closed": _ticket(team=team_kitchen, owner=agent, status=Ticket.Status.CLOSED),
        "team_unowned": _ticket(team=team_kitchen),
        "team_lead_owns": _ticket(
            team=team_kitchen, owner=team_lead, status=Ticket.Status.IN_PROGRESS, contacted=True
        ),
        "team_due_soon": _ticket(team=team_kitchen, due_in=timedelta(hours=1)),
        "team_overdue": _ticket(team=team_kitchen, owner=team_lead, due_in=-timedelta(hours=1)),
        "aircon_due_soon": _ticket(team=team_aircon, due_in=timedelta(minutes=30)),
        "unrouted": _ticket(team=None),
    }


KITCHEN_OPEN = {"mine_open", "team_unowned", "team_lead_owns", "team_due_soon", "team_overdue"}
EXPECTED = {
    "agent": {
        "mine": {"mine_open"},
        "team": KITCHEN_OPEN,
        "unassigned": {"team_unowned", "team_due_soon", "unrouted"},
        "breaching": {"team_due_soon", "team_overdue"},
        "all": KITCHEN_OPEN | {"mine_closed", "unrouted"},
    },
    "team_lead": {
        "mine": {"team_lead_owns", "team_overdue"},
        "team": KITCHEN_OPEN,
        "unassigned": {"team_unowned", "team_due_soon", "unrouted"},
        "breaching": {"team_due_soon", "team_overdue"},
        "all": KITCHEN_OPEN | {"mine_closed", "unrouted"},
    },
    "manager": {
        "mine": set(),
        "team": set(),
        "unassigned": {"team_unowned", "team_due_soon", "unrouted", "aircon_due_soon"},
        "breaching": {"team_due_soon", "team_overdue", "aircon_due_soon"},
        "all": KITCHEN_OPEN | {"mine_closed", "unrouted", "aircon_due_soon"},
    },
}


def _listed(client, **params) -> list[str]:
    response = client.get(reverse("tickets:list"), params)
    assert response.status_code == 200
    return [ticket.number for ticket in response.context["page"].object_list]


@pytest.mark.parametrize("role", sorted(EXPECTED))
@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_each_queue_shows_exactly_its_tickets_within_visibility(client, cast, request, role, queue):
    client.force_login(request.getfixturevalue(role))
    listed = _listed(client, queue=queue)
    assert len(listed) == len(set(listed))
    assert set(listed) == {cast[name].number for name in EXPECTED[role][queue]}


def test_queues_are_sorted_by_nearest_due_time(client, cast, manager):
    client.force_login(manager)
    assert _listed(client, queue="breaching") == [
        cast["team_overdue"].number,
        cast["aircon_due_soon"].number,
        cast["team_due_soon"].number,
    ]


def test_work_queue_shows_closed_tickets_when_asked_by_status(client, cast, agent):
    client.force_login(agent)
    assert _listed(client, queue="mine", status="closed") == [cast["mine_closed"].number]


def test_breaching_soon_definition_is_shown_on_its_tab(client, agent):
    client.force_login(agent)
    page = client.get(reverse("tickets:list"), {"queue": "breaching"}).content.decode()
    assert str(QUEUES["breaching"].hint) in page
    assert 'data-key="t"' in page and 'id="kbd-help"' in page and "js/queue.js" in page


def test_due_cell_carries_the_times_for_the_live_countdown(client, cast, agent):
    client.force_login(agent)
    page = client.get(reverse("tickets:list"), {"queue": "mine"}).content.decode()
    assert "data-due=" in page and "data-received=" in page


@pytest.mark.parametrize("queue", sorted(QUEUES))
@pytest.mark.parametrize("count", [5, 40])
def test_every_queue_page_uses_a_fixed_number_of_queries(
    client, agent, team_kitchen, django_assert_num_queries, queue, count
):
    for index in range(count):
        _ticket(team=team_kitchen, owner=agent if index % 2 else None, due_in=timedelta(hours=1))
    SavedFilter.objects.create(user=agent, name="L1", query="tier=L1")
    client.force_login(agent)
    # session, user, perms (user, groups), tickets, tags prefetch, saved filters, the filter
    # choices (tags, stores); no COUNT(*)
    with django_assert_num_queries(9):
        response = client.get(reverse("tickets:list"), {"queue": queue})
    assert response.status_code == 200
    # the htmx refresh of the rows: the same without the saved filters
    with django_assert_num_queries(6):
        client.get(reverse("tickets:list"), {"queue": queue}, headers={"HX-Request": "true"})


def test_keyset_pages_walk_every_ticket_once_in_order(client, manager, team_kitchen):
    now = timezone.now()
    tickets = [_ticket(team=team_kitchen) for _ in range(60)]
    for index, ticket in enumerate(tickets):
        # Groups of three share a due time: the id settles the ties across page borders.
        due = now + timedelta(minutes=index // 3)
        Ticket.objects.filter(pk=ticket.pk).update(first_contact_due_at=due)
    client.force_login(manager)
    seen, cursor = [], None
    for _ in range(10):
        response = client.get(reverse("tickets:list"), {"queue": "all", "after": cursor or ""})
        page = response.context["page"]
        seen += [ticket.number for ticket in page.object_list]
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = [
        t.number
        for t in sorted(tickets, key=lambda t: (Ticket.objects.get(pk=t.pk).next_due_at, t.pk))
    ]
    assert seen == expected


def test_an_unreadable_cursor_is_the_first_page(client, cast, manager):
    client.force_login(manager)
    assert _listed(client, queue="all", after="garbage") == _listed(client, queue="all")


def test_saved_filter_is_created_listed_and_opens_its_query(client, agent, agent_other_team):
    SavedFilter.objects.create(user=agent_other_team, name="theirs", query="tier=L2")
    client.force_login(agent)

    response = client.post(
        reverse("tickets:saved_filter_create"),
        {"name": "我的急单", "query": "queue=mine&tier=L1&after=2026-01-01T00:00:00+00:00_9"},
    )

    saved = SavedFilter.objects.get(user=agent)
    assert saved.query == "queue=mine&tier=L1"
    assert response.status_code == 302 and response["Location"].endswith("?queue=mine&tier=L1")
    page = client.get(reverse("tickets:list")).content.decode()
    assert "我的急单" in page and "?queue=mine&amp;tier=L1" in page
    assert "theirs" not in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "query": "tier=L1"}, "name"),
        ({"name": "x" * 41, "query": "tier=L1"}, "name"),
        ({"name": "dup", "query": "tier=L1"}, "name"),
        ({"name": "bad queue", "query": "queue=nope"}, "query"),
        ({"name": "bad key", "query": "evil=1"}, "query"),
        ({"name": "bad tier", "query": "tier=L9"}, "query"),
    ],
)
def test_bad_saved_filter_is_refused_naming_the_field(client, agent, data, field):
    SavedFilter.objects.create(user=agent, name="dup", query="")
    client.force_login(agent)

    response = client.post(reverse("tickets:saved_filter_create"), data)

    assert response.status_code == 400
    form = response.context["save_form"]
    assert list(form.errors) == [field]
    assert str(form.fields[field].label) in response.content.decode()
    assert SavedFilter.objects.filter(user=agent).count() == 1


def test_a_user_deletes_own_saved_filter_only(client, agent):
    mine = SavedFilter.objects.create(user=agent, name="mine", query="tier=L1")
    other = SavedFilter.objects.create(user=UserFactory(), name="theirs", query="tier=L1")
    client.force_login(agent)

    refused = client.post(reverse("tickets:saved_filter_delete", args=[other.pk]))
    deleted = client.post(reverse("tickets:saved_filter_delete", args=[mine.pk]))

    assert refused.status_code == 404
    assert deleted.status_code == 302
    assert list(SavedFilter.objects.values_list("name", flat=True)) == ["theirs"]


def test_deleting_a_saved_filter_needs_a_post(client, agent):
    mine = SavedFilter.objects.create(user=agent, name="mine", query="")
    client.force_login(agent)
    assert client.get(reverse("tickets:saved_filter_delete", args=[mine.pk])).status_code == 405
    assert SavedFilter.objects.filter(pk=mine.pk).exists()


def _tagged(ticket, tag):
    TicketTag.objects.get_or_create(ticket=ticket, tag=tag, defaults={"source": "agent"})
    return ticket


def test_tag_filter_matches_the_tag_and_its_children_once_each(client, manager, team_kitchen):
    parent = Tag.objects.create(name="测试组", code="test-group")
    leak = Tag.objects.create(name="测试漏水", code="test-leak", parent=parent)
    noise = Tag.objects.create(name="测试异响", code="test-noise", parent=parent)
    both = _tagged(_tagged(_ticket(team=team_kitchen), leak), noise)
    only_noise = _tagged(_ticket(team=team_kitchen), noise)
    _ticket(team=team_kitchen)
    client.force_login(manager)

    def listed(tag):
        response = client.get(reverse("tickets:list"), {"queue": "all", "tag": tag.pk})
        return [t.number for t in response.context["page"]]

    assert listed(leak) == [both.number]
    assert sorted(listed(parent)) == sorted([both.number, only_noise.number])


def test_product_category_and_store_filters(client, manager, team_kitchen, store_a, store_b):
    cooker = Product.objects.create(model_code="T-RC1", name="电饭煲", category="rice_cooker")
    fridge = Product.objects.create(model_code="T-FR1", name="冰箱", category="refrigerator")
    a_cooker = _ticket(team=team_kitchen)
    b_fridge = _ticket(team=team_kitchen)
    Ticket.objects.filter(pk=a_cooker.pk).update(product=cooker, store=store_a)
    Ticket.objects.filter(pk=b_fridge.pk).update(product=fridge, store=store_b)
    client.force_login(manager)

    def listed(**params):
        response = client.get(reverse("tickets:list"), {"queue": "all", **params})
        return {t.number for t in response.context["page"]}

    assert listed(product_category="rice_cooker") == {a_cooker.number}
    assert listed(product="T-FR1") == {b_fridge.number}
    assert listed(store=store_b.code) == {b_fridge.number}
    page = client.get(reverse("tickets:list")).content.decode()
    assert 'name="tag"' in page and store_a.name in page and 'name="product_category"' in page
