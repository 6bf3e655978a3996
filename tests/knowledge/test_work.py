"""Knowledge at work: suggestions on the ticket page, "this solved it", the website form's
self-service and its deflections."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from knowledge.models import Article, ArticleUse
from knowledge.search import article_index, vocabulary
from knowledge.selectors.work import ticket_suggestions
from knowledge.services.work import article_deflect, article_mark_solved, visitor_hash
from tests.tickets.factories import TicketFactory
from tickets.errors import PermissionDeniedError
from tickets.models import Tag, Ticket, TicketTag

pytestmark = pytest.mark.django_db


def _article(title, problem, *, audience="public", status="published", solution="按说明处理。"):
    now = timezone.now()
    article = Article.objects.create(
        title=title,
        problem=problem,
        solution=solution,
        audience=audience,
        status=status,
        created_at=now,
        updated_at=now,
    )
    article_index(article_ids=[article.pk])
    return article


@pytest.fixture
def washer_ticket(team_kitchen):
    return TicketFactory(team=team_kitchen, description="洗衣机甩干的时候晃得很厉害，还咚咚响")


@pytest.fixture
def shaking(db):
    return _article("滚筒脱水剧烈震动", "脱水时机器跳动、晃动，有咚咚声", audience="internal")


# --- suggestions on the ticket page ------------------------------------------------------------


def test_ticket_suggests_published_articles_from_its_words(washer_ticket, shaking):
    _article("冰箱不制冷", "冰箱冷藏室不凉")
    _article("草稿 脱水震动", "脱水时机器晃动", status="draft")
    _article("下线 脱水震动", "脱水时机器晃动", status="retired")
    titles = [s.article.title for s in ticket_suggestions(ticket=washer_ticket)]
    assert titles == ["滚筒脱水剧烈震动"]


def test_ticket_suggestions_are_at_most_five_best_first(washer_ticket, shaking):
    for i in range(7):
        _article(f"洗衣机问题{i}", "洗衣机用久了有问题")
    suggestions = ticket_suggestions(ticket=washer_ticket)
    assert len(suggestions) == 5
    assert suggestions[0].article == shaking


def test_a_shared_tag_brings_an_article_without_shared_words(washer_ticket):
    tag = Tag.objects.get(code="fault-drain")
    TicketTag.objects.get_or_create(
        ticket=washer_ticket, tag=tag, defaults={"source": TicketTag.Source.AGENT}
    )
    article = _article("排水泵过滤器清理", "拧出过滤器取出硬币")
    article.tags.set([tag])
    assert [s.article for s in ticket_suggestions(ticket=washer_ticket)] == [article]


def test_ticket_suggestions_take_two_queries_whatever_the_articles(
    washer_ticket, shaking, django_assert_num_queries
):
    for i in range(10):
        _article(f"洗衣机震动{i}", "甩干时晃动")
    vocabulary()  # built once per process; then only its stamp is read
    with django_assert_num_queries(2):
        suggestions = ticket_suggestions(ticket=washer_ticket)
        [str(s.snippet) for s in suggestions]


def test_agent_marks_this_solved_it_once_and_the_page_shows_it(
    client, agent, washer_ticket, shaking
):
    client.force_login(agent)
    url = reverse("knowledge:ticket_article_solved", args=[washer_ticket.number, shaking.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    shaking.refresh_from_db()
    assert shaking.solved_count == 1
    use = ArticleUse.objects.get()
    assert (use.kind, use.ticket, use.actor) == ("solved", washer_ticket, agent)
    page = client.get(reverse("tickets:detail", args=[washer_ticket.number]))
    assert "Solved this ticket" in page.content.decode() or "已解决此工单" in page.content.decode()
    assert url not in page.content.decode()  # no second button


def test_this_solved_it_over_htmx_returns_the_card(client, agent, washer_ticket, shaking):
    client.force_login(agent)
    url = reverse("knowledge:ticket_article_solved", args=[washer_ticket.number, shaking.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="knowledge-card"' in response.content.decode()
    assert "kb-suggestion solved" in response.content.decode()


def test_only_those_who_work_tickets_may_mark_an_article(
    client, product_manager, washer_ticket, shaking
):
    with pytest.raises(PermissionDeniedError):
        article_mark_solved(article=shaking, ticket=washer_ticket, actor=product_manager)
    client.force_login(product_manager)
    url = reverse("knowledge:ticket_article_solved", args=[washer_ticket.number, shaking.pk])
    assert client.post(url).status_code in (403, 404)  # 404 when the ticket is not theirs
    assert ArticleUse.objects.count() == 0


def test_a_ticket_the_user_cannot_see_is_404(client, agent_other_team, washer_ticket, shaking):
    client.force_login(agent_other_team)
    url = reverse("knowledge:ticket_article_solved", args=[washer_ticket.number, shaking.pk])
    assert client.post(url).status_code == 404


def test_a_draft_cannot_be_marked(client, agent, washer_ticket):
    draft = _article("草稿", "脱水晃动", status="draft")
    client.force_login(agent)
    url = reverse("knowledge:ticket_article_solved", args=[washer_ticket.number, draft.pk])
    assert client.post(url, headers={"HX-Request": "true"}).status_code == 409
    assert client.get(url).status_code == 405


def test_write_an_article_link_only_on_resolved_tickets_for_writers(
    client, agent, store_clerk, washer_ticket
):
    create = reverse("knowledge:article_create") + f"?ticket={washer_ticket.number}"
    client.force_login(agent)
    detail = reverse("tickets:detail", args=[washer_ticket.number])
    assert create not in client.get(detail).content.decode()
    Ticket.objects.filter(pk=washer_ticket.pk).update(status=Ticket.Status.RESOLVED)
    assert create in client.get(detail).content.decode()


# --- the website form's self-service -----------------------------------------------------------


def test_public_suggest_lists_only_public_published_articles():
    _article("公开 洗衣机脱水震动", "脱水时机器晃动")
    _article("内部 洗衣机脱水震动", "脱水时机器晃动", audience="internal")
    _article("草稿 洗衣机脱水震动", "脱水时机器晃动", status="draft")
    response = Client().get(reverse("knowledge:public_suggest"), {"q": "甩干的时候晃"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "公开 洗衣机脱水震动" in html
    assert "内部" not in html and "草稿" not in html


def test_public_suggest_shows_at_most_three():
    for i in range(5):
        _article(f"热水器不加热{i}", "热水器不加热")
    html = Client().get(reverse("knowledge:public_suggest"), {"q": "热水器不热"}).content.decode()
    assert html.count("<li>") == 3


@pytest.mark.parametrize(
    "q", ["", "？？", "<script>alert(1)</script>", "'; DROP TABLE x; --", "脱" * 5000]
)
def test_public_suggest_takes_odd_input(q):
    _article("洗衣机脱水震动", "<script>x</script>脱水时机器晃动")
    response = Client().get(reverse("knowledge:public_suggest"), {"q": q})
    assert response.status_code == 200
    assert "<script" not in response.content.decode()


def test_public_article_is_404_unless_public_and_published():
    public = _article("公开", "晃动")
    internal = _article("内部", "晃动", audience="internal")
    draft = _article("草稿", "晃动", status="draft")
    client = Client()
    assert client.get(reverse("knowledge:public_article", args=[public.pk])).status_code == 200
    for article in (internal, draft):
        assert client.get(reverse("knowledge:public_article", args=[article.pk])).status_code == 404
        deflect = reverse("knowledge:public_deflect", args=[article.pk])
        assert client.post(deflect).status_code == 404
    assert client.get(reverse("knowledge:public_article", args=[99999])).status_code == 404


def test_a_deflection_counts_once_per_browser_and_stores_no_ip():
    article = _article("公开", "晃动")
    page = reverse("knowledge:public_article", args=[article.pk])
    deflect = reverse("knowledge:public_deflect", args=[article.pk])
    first, second = Client(REMOTE_ADDR="10.1.2.3"), Client(REMOTE_ADDR="10.1.2.3")
    first.get(page)
    response = first.post(deflect)
    assert response.status_code == 302 and response["Location"].endswith("?solved=1")
    first.post(deflect)
    second.post(deflect)  # another browser behind the same address
    article.refresh_from_db()
    assert article.deflected_count == 2
    visitors = list(ArticleUse.objects.values_list("visitor", flat=True))
    assert len(set(visitors)) == 2
    assert all("10.1.2.3" not in v and len(v) == 64 for v in visitors)
    assert "kb_visitor" not in visitors[0]
    thanks = first.get(response["Location"]).content.decode()
    assert 'action="' + deflect not in thanks


def test_deflecting_needs_csrf_and_a_post():
    article = _article("公开", "晃动")
    deflect = reverse("knowledge:public_deflect", args=[article.pk])
    assert Client(enforce_csrf_checks=True).post(deflect).status_code == 403
    assert Client().get(deflect).status_code == 405
    assert Article.objects.get(pk=article.pk).deflected_count == 0


def test_deflect_service_counts_by_visitor_hash():
    article = _article("公开", "晃动")
    assert article_deflect(article=article, visitor="token-a") is True
    assert article_deflect(article=article, visitor="token-a") is False
    assert ArticleUse.objects.get().visitor == visitor_hash("token-a") != "token-a"


def test_the_website_form_carries_the_suggestion_box(client):
    html = client.get(reverse("intake:web_form")).content.decode()
    assert reverse("knowledge:public_suggest") in html
    assert "knowledge-suggest.js" in html
