"""The article pages: who may see and do what, search with snippets, forms, conflicts, admin."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledge.models import Article, ArticleVersion, SynonymGroup
from knowledge.services.articles import article_create, article_publish, article_update
from tests.tickets.factories import ProductFactory, TagFactory, TicketFactory, UserFactory
from tickets.models import Ticket

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
LIST = reverse("knowledge:article_list")
CREATE = reverse("knowledge:article_create")


def write(actor, *, title="热水器点火后很快熄火", publish_by=None, **changes) -> Article:
    values = {
        "title": title,
        "problem": "燃气热水器打开热水后点火成功，几秒后熄火，显示E1。",
        "cause": "燃气阀压力不足或排烟管堵塞。",
        "solution": "检查燃气阀是否全开，清理排烟管出口。",
        "audience": Article.Audience.INTERNAL,
        "product_ids": [],
        "tag_ids": [],
        **changes,
    }
    article = article_create(**values, actor=actor, now=NOW)
    if publish_by is not None:
        article = article_publish(article=article, actor=publish_by, now=NOW)
    return article


def form_data(**changes) -> dict:
    return {
        "title": "冰箱冷藏室结冰",
        "problem": "冷藏室后壁结冰，蔬菜被冻坏。",
        "cause": "温度档位过低。",
        "solution": "把冷藏温度调到 4 至 5 度。",
        "audience": "internal",
        **changes,
    }


def results_of(body: str) -> str:
    """The list page's results, without the author's own drafts beside them."""
    return body.split('id="kb-results"')[1].split("kb-drafts")[0]


def page_of(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


# --- Who may see and do what -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "detail", "create", "edit"])
def test_anonymous_users_are_sent_to_log_in(client, agent, name):
    article = write(agent)
    url = {
        "list": LIST,
        "detail": reverse("knowledge:article_detail", args=[article.pk]),
        "create": CREATE,
        "edit": reverse("knowledge:article_edit", args=[article.pk]),
    }[name]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_without_the_knowledge_base_get_403(client, agent, warehouse_clerk):
    article = write(agent)
    client.force_login(warehouse_clerk)
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("knowledge:article_detail", args=[article.pk])).status_code == 403
    assert client.get(CREATE).status_code == 403


def test_store_staff_read_but_neither_write_nor_edit(client, agent, store_clerk):
    article = write(agent)
    client.force_login(store_clerk)
    assert client.get(reverse("knowledge:article_detail", args=[article.pk])).status_code == 200
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    edit_url = reverse("knowledge:article_edit", args=[article.pk])
    assert client.get(edit_url).status_code == 403
    assert not Article.objects.exclude(pk=article.pk).exists()


def test_an_unknown_article_is_404(client, agent):
    client.force_login(agent)
    assert client.get(reverse("knowledge:article_detail", args=[999999])).status_code == 404


def test_agents_cannot_publish_and_team_leads_can(client, agent, team_lead):
    article = write(agent)
    url = reverse("knowledge:article_publish", args=[article.pk])
    client.force_login(agent)
    detail = client.get(reverse("knowledge:article_detail", args=[article.pk])).content.decode()
    assert url not in detail  # no button for who may not
    assert client.post(url).status_code == 403
    article.refresh_from_db()
    assert article.status == "draft"

    client.force_login(team_lead)
    assert (
        url in client.get(reverse("knowledge:article_detail", args=[article.pk])).content.decode()
    )
    assert client.get(url).status_code == 405  # never a change on GET
    response = client.post(url)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "published" and article.published_at is not None

    response = client.post(reverse("knowledge:article_retire", args=[article.pk]))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "retired"


# --- The list and search ---------------------------------------------------------------------


def test_the_list_shows_the_latest_published_articles_with_their_effectiveness(
    client, agent, team_lead
):
    published = write(agent, publish_by=team_lead)
    Article.objects.filter(pk=published.pk).update(solved_count=7, deflected_count=3)
    draft = write(agent, title="草稿文章不出现在列表")

    body = page_of(client, agent, LIST).content.decode()

    assert published.title in body
    assert draft.title not in results_of(body)
    assert draft.title in body  # in "My drafts"
    assert 'data-solved="7" data-deflected="3"' in body


def test_a_search_shows_highlighted_snippets_escaped(client, agent, team_lead):
    write(
        agent,
        title="洗衣机不排水",
        problem="洗衣机洗完后<b>不排水</b>，桶里一直有水。",
        publish_by=team_lead,
    )
    write(agent, title="空调遥控器失灵", problem="遥控器按键没有反应。", publish_by=team_lead)

    body = page_of(client, agent, LIST, q="排水").content.decode()

    assert "洗衣机不排水" in body and "空调遥控器失灵" not in body
    assert "<mark>排水</mark>" in body
    assert "&lt;b&gt;" in body and "<b>不" not in body


def test_status_filter_only_for_publishers(client, agent, team_lead):
    draft = write(agent, title="仅草稿可见的标题")

    as_lead = page_of(client, team_lead, LIST, status="draft").content.decode()
    assert draft.title in as_lead
    as_agent = page_of(client, agent, LIST, status="draft").content.decode()
    assert draft.title not in results_of(as_agent)
    assert 'name="status"' not in as_agent


def test_filters_by_product_and_tag(client, agent, team_lead):
    product, tag = ProductFactory(), TagFactory()
    with_product = write(
        agent, title="有型号的文章", product_ids=[product.pk], publish_by=team_lead
    )
    with_tag = write(agent, title="有标签的文章", tag_ids=[tag.pk], publish_by=team_lead)

    by_product = page_of(client, agent, LIST, product=product.pk).content.decode()
    assert with_product.title in by_product and with_tag.title not in by_product
    by_tag = page_of(client, agent, LIST, tag=tag.pk, q="热水器").content.decode()
    assert with_tag.title in by_tag and with_product.title not in by_tag


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "！？。，……"},
        {"q": "热水器" * 3400},
        {"q": "'; DROP TABLE knowledge_article; --"},
        {"q": "<script>alert(1)</script>"},
        {"q": "\u200b\u200b"},
        {"product": "abc"},
        {"tag": "999999"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999999999"},
        {"status": "everything"},
    ],
)
def test_odd_input_on_the_list_is_never_an_error(client, team_lead, params):
    response = page_of(client, team_lead, LIST, **params)
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()
    assert Article.objects.model._meta.db_table in connection.introspection.table_names()


def test_paging_walks_the_results(client, agent, team_lead):
    for n in range(23):
        write(agent, title=f"热水器问题 {n}", publish_by=team_lead)
    first = page_of(client, agent, LIST).content.decode()
    second = page_of(client, agent, LIST, page=2).content.decode()
    assert first.count('class="kb-hit"') == 20 and second.count('class="kb-hit"') == 3
    assert "page=2" in first


def _count_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"q": "热水器 熄火"}], ids=["latest", "search"])
def test_the_list_makes_the_same_queries_whatever_the_number_of_articles(
    client, agent, team_lead, django_assert_max_num_queries, params
):
    tags = [TagFactory() for _ in range(3)]
    products = [ProductFactory() for _ in range(3)]

    def more(count):
        for n in range(count):
            write(
                agent,
                title=f"热水器熄火 {n}",
                product_ids=[p.pk for p in products],
                tag_ids=[t.pk for t in tags],
                publish_by=team_lead,
            )

    more(3)
    client.force_login(agent)
    client.get(LIST, params)  # warm the search vocabulary cache
    few = _count_queries(client, params)
    more(15)
    with django_assert_max_num_queries(few):
        client.get(LIST, params)
    assert _count_queries(client, params) == few
    assert few <= 14


def test_htmx_search_returns_the_results_fragment(client, agent, team_lead):
    write(agent, publish_by=team_lead)
    response = page_of(client, agent, LIST, q="熄火")
    client.force_login(agent)
    fragment = client.get(LIST, {"q": "熄火"}, HTTP_HX_REQUEST="true")
    assert "<html" in response.content.decode()
    body = fragment.content.decode()
    assert "<html" not in body and "<mark>熄火</mark>" in body


# --- The article page ------------------------------------------------------------------------


def test_the_article_page_shows_text_versions_and_visible_source_ticket(
    client, agent, agent_other_team, team_lead, ticket
):
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved", resolution_note="已修好")
    ticket.refresh_from_db()
    article = write(agent, source_ticket=ticket)
    article_update(
        article=article,
        expected_version=1,
        title=article.title,
        problem=article.problem,
        cause=article.cause,
        solution="新的解决办法。",
        audience="internal",
        product_ids=[],
        tag_ids=[],
        note="改写了解决办法",
        actor=team_lead,
        now=NOW,
    )
    url = reverse("knowledge:article_detail", args=[article.pk])

    body = page_of(client, agent, url).content.decode()
    assert "燃气阀压力不足" in body and "新的解决办法" in body
    assert "改写了解决办法" in body
    assert reverse("knowledge:article_version", args=[article.pk, 1]) in body
    assert reverse("tickets:detail", args=[ticket.number]) in body

    other = page_of(client, agent_other_team, url).content.decode()
    assert ticket.number not in other  # the ticket is not theirs to see


def test_an_old_version_can_be_read(client, agent, team_lead):
    article = write(agent)
    article_update(
        article=article,
        expected_version=1,
        title="新标题",
        problem=article.problem,
        cause=article.cause,
        solution="新办法",
        audience="internal",
        product_ids=[],
        tag_ids=[],
        actor=team_lead,
        now=NOW,
    )
    body = page_of(
        client, agent, reverse("knowledge:article_version", args=[article.pk, 1])
    ).content.decode()
    assert "热水器点火后很快熄火" in body and "检查燃气阀是否全开" in body
    missing = reverse("knowledge:article_version", args=[article.pk, 9])
    assert client.get(missing).status_code == 404


# --- Writing ---------------------------------------------------------------------------------


def test_writing_an_article_saves_a_draft_and_shows_it(client, agent):
    product, tag = ProductFactory(), TagFactory()
    client.force_login(agent)
    response = client.post(CREATE, form_data(products=[product.pk], tags=[tag.pk]))
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:article_detail", args=[article.pk])
    assert (article.status, article.version, article.created_by) == ("draft", 1, agent)
    assert list(article.products.all()) == [product] and list(article.tags.all()) == [tag]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"problem": "  "}, "problem"),
        ({"solution": ""}, "solution"),
        ({"title": "长" * 201}, "title"),
        ({"solution": "长" * 10_001}, "solution"),
        ({"products": ["987654"]}, "products"),
        ({"products": ["abc"]}, "products"),
        ({"tags": ["987654"]}, "tags"),
        ({"audience": "everyone"}, "audience"),
    ],
)
def test_bad_input_is_a_form_error_on_its_field(client, agent, changes, field):
    client.force_login(agent)
    response = client.post(CREATE, form_data(**changes))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert not Article.objects.exists()
    # What the user typed is still in the form.
    assert "温度档位过低" in response.content.decode()


@pytest.fixture
def resolved_ticket(team_kitchen):
    product = ProductFactory(name="对开门冰箱", model_code="BCD-600")
    ticket = TicketFactory(
        team=team_kitchen,
        customer_name="赵六一",
        product_model=product.model_code,
        description="赵六一反映冰箱冷藏室结冰，手机 13800138000",
        symptom="冷藏室结冰",
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        status="resolved", root_cause="usage", resolution_note="指导客户调高冷藏温度。"
    )
    ticket.refresh_from_db()
    return ticket


def test_create_from_a_ticket_prefills_and_links_it(client, agent, resolved_ticket):
    response = page_of(client, agent, CREATE, ticket=resolved_ticket.number)
    body = response.content.decode()
    assert response.status_code == 200
    assert "指导客户调高冷藏温度" in body and "BCD-600" in body
    assert "赵六一" not in body and "13800138000" not in body

    form = response.context["form"]
    data = {name: form.initial.get(name, "") for name in ("title", "problem", "cause", "solution")}
    data |= {"audience": "internal", "ticket": resolved_ticket.number}
    data["products"] = form.initial["products"]
    assert client.post(CREATE, data).status_code == 302
    assert Article.objects.get().source_ticket == resolved_ticket


def test_create_from_a_ticket_needs_it_visible_and_resolved(
    client, agent, agent_other_team, resolved_ticket
):
    assert (
        page_of(client, agent_other_team, CREATE, ticket=resolved_ticket.number).status_code == 404
    )
    assert page_of(client, agent, CREATE, ticket="SH-NOPE").status_code == 404
    Ticket.objects.filter(pk=resolved_ticket.pk).update(status="in_progress")
    response = page_of(client, agent, CREATE, ticket=resolved_ticket.number)
    assert response.status_code == 400
    response = client.post(CREATE, form_data(ticket=resolved_ticket.number))
    assert response.status_code == 400
    assert not Article.objects.exists()


# --- Editing ---------------------------------------------------------------------------------


def edit_data(response, **changes) -> dict:
    form = response.context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return {**data, "note": "", **changes}


def test_editing_saves_the_next_version(client, agent):
    article = write(agent)
    url = reverse("knowledge:article_edit", args=[article.pk])
    form_page = page_of(client, agent, url)
    response = client.post(url, edit_data(form_page, solution="更换点火针。", note="换件"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.version, article.solution) == (2, "更换点火针。")
    assert ArticleVersion.objects.get(article=article, number=2).note == "换件"


def test_a_stale_save_shows_the_conflict_and_keeps_what_was_typed(client, agent, team_lead):
    article = write(agent)
    url = reverse("knowledge:article_edit", args=[article.pk])
    form_page = page_of(client, agent, url)
    # Meanwhile the team lead saves another text.
    article_update(
        article=article,
        expected_version=1,
        title=article.title,
        problem=article.problem,
        cause=article.cause,
        solution="主管写的新办法。",
        audience="internal",
        product_ids=[],
        tag_ids=[],
        actor=team_lead,
        now=NOW,
    )

    response = client.post(url, edit_data(form_page, solution="我写的办法，不能丢。"))

    assert response.status_code == 409
    body = response.content.decode()
    assert "我写的办法，不能丢。" in body  # the user's text, in the form
    assert "主管写的新办法。" in body  # the current text, to compare
    article.refresh_from_db()
    assert (article.version, article.solution) == (2, "主管写的新办法。")

    # Saving again from the conflict page is a knowing overwrite: version 3.
    again = dict(response.context["form"].data.items())
    assert client.post(url, again).status_code == 302
    article.refresh_from_db()
    assert (article.version, article.solution) == (3, "我写的办法，不能丢。")


def test_an_edit_with_a_bad_version_is_a_form_error(client, agent):
    article = write(agent)
    url = reverse("knowledge:article_edit", args=[article.pk])
    form_page = page_of(client, agent, url)
    response = client.post(url, edit_data(form_page, version="abc"))
    assert response.status_code == 400
    assert "version" in response.context["form"].errors


# --- Language --------------------------------------------------------------------------------


def test_the_pages_render_in_chinese_by_default(client, agent, team_lead):
    article = write(agent, publish_by=team_lead)
    client.force_login(agent)
    pages = {
        LIST: ["知识库", "搜索", "产品型号"],
        reverse("knowledge:article_detail", args=[article.pk]): ["问题", "原因", "解决方法"],
        reverse("knowledge:article_edit", args=[article.pk]): ["编辑文章", "保存"],
        CREATE: ["撰写文章", "保存为草稿"],
    }
    for url, words in pages.items():
        body = client.get(url).content.decode()
        assert 'lang="zh-hans"' in body
        for word in words:
            assert word in body, (url, word)


# --- Admin -----------------------------------------------------------------------------------


def test_admin_lists_every_knowledge_model_and_publishes_through_the_service(
    client, agent, admin_user
):
    article = write(agent)
    client.force_login(admin_user)
    for model in (
        "article",
        "articleuse",
        "synonymgroup",
        "problemreport",
        "improvementplan",
        "planaction",
        "planapproval",
        "verification",
        "alert",
        "monthlyreport",
    ):
        assert client.get(reverse(f"admin:knowledge_{model}_changelist")).status_code == 200
    change = client.get(reverse("admin:knowledge_article_change", args=[article.pk]))
    assert change.status_code == 200 and article.problem in change.content.decode()
    assert client.get(reverse("admin:knowledge_article_add")).status_code == 403

    response = client.post(
        reverse("admin:knowledge_article_changelist"),
        {"action": "publish", "_selected_action": [article.pk]},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "published"


def test_admin_edits_synonym_groups(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:knowledge_synonymgroup_add"), {"words": "甩干,脱水", "note": "洗衣机"}
    )
    assert response.status_code == 302
    assert SynonymGroup.objects.get(note="洗衣机").words == ["甩干", "脱水"]


def test_a_user_made_from_the_factory_without_a_role_gets_403(client, db):
    client.force_login(UserFactory())  # no role: staff, but no knowledge base
    assert client.get(LIST).status_code == 403
