import pytest
from django.urls import reverse

from tests.tickets.factories import TicketFactory


def test_login_page_is_in_simplified_chinese_by_default(client, db):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page


def test_language_switches_to_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page and "Log in" in page


def test_demo_login_works_and_lands_on_the_ticket_list(client, agent):
    response = client.post(
        reverse("login"), {"username": "agent", "password": "pw-Secret-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("tickets:list")
    assert response.context["user"] == agent


def test_ticket_list_and_page_show_the_ticket_with_its_timeline(client, agent, team_kitchen):
    ticket = TicketFactory(team=team_kitchen, description="电饭煲煮饭夹生", scene="做饭时")
    client.force_login(agent)

    listing = client.get(reverse("tickets:list")).content.decode()
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()

    assert ticket.number in listing and "电饭煲煮饭夹生" in listing
    assert "做饭时" in page and 'class="timeline"' in page


def test_list_filter_returns_a_fragment_for_htmx(client, agent, team_kitchen):
    TicketFactory(team=team_kitchen, tier="L1")
    client.force_login(agent)
    fragment = client.get(reverse("tickets:list"), {"tier": "L1"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert 'class="tickets"' in fragment.content.decode()


@pytest.mark.parametrize("path", ["/tickets/", "/api/v1/tickets/"])
def test_anonymous_is_never_shown_data(client, db, path):
    assert client.get(path).status_code in (302, 401, 403)


def test_chinese_is_the_default_even_for_an_english_browser(client, db):
    page = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    assert 'lang="zh-hans"' in page.content.decode()


def test_an_unknown_language_cookie_falls_back_to_chinese(client, db):
    client.cookies["django_language"] = "xx"
    assert 'lang="zh-hans"' in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_ticket_list_page_uses_a_fixed_number_of_queries(
    client, agent, team_kitchen, django_assert_num_queries, count
):
    for _ in range(count):
        TicketFactory(team=team_kitchen)
    client.force_login(agent)
    # session, user, perms (user, groups), tickets, tags prefetch, saved filters, the
    # filter choices (tags, stores)
    with django_assert_num_queries(9):
        response = client.get(reverse("tickets:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)


def test_list_filter_all_option_means_no_filter(client, agent, team_kitchen):
    urgent = TicketFactory(team=team_kitchen, tier="L1")
    calm = TicketFactory(team=team_kitchen, tier="L3")
    client.force_login(agent)

    page = client.get(reverse("tickets:list"), {"tier": "L1", "status": "", "channel": ""})

    assert urgent.number in page.content.decode()
    assert calm.number not in page.content.decode()


def test_not_found_page_is_in_chinese_and_in_the_layout(client, agent):
    client.force_login(agent)
    response = client.get("/tickets/SH-00000000-000000/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "退出登录" in page
