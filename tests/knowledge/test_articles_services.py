"""The article services: versions, conflicts, publishing, retiring, and drafts from tickets."""

from datetime import UTC, datetime, timedelta

import pytest

from knowledge.models import Article, ArticleVersion
from knowledge.search import article_search
from knowledge.services.articles import (
    ArticleInvalid,
    StaleArticle,
    article_create,
    article_prefill_from_ticket,
    article_publish,
    article_retire,
    article_update,
    text_scrub,
)
from tests.tickets.factories import ProductFactory, TagFactory, TicketFactory
from tickets.errors import PermissionDeniedError
from tickets.models import Ticket, TicketTag

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)

TEXT = {
    "title": "滚筒洗衣机脱水时机身剧烈晃动",
    "problem": "洗衣机脱水阶段机身晃动、移位，并伴有很大的撞击声。",
    "cause": "运输螺栓没有拆除，或衣物在滚筒内堆在一边。",
    "solution": "1. 拆除背板上的四颗运输螺栓。\n2. 把衣物抖散后重新启动脱水。",
    "audience": Article.Audience.INTERNAL,
}


def write(actor, *, now=NOW, **changes) -> Article:
    values = {**TEXT, "product_ids": [], "tag_ids": [], **changes}
    return article_create(**values, actor=actor, now=now)


def edit(article, actor, *, now=NOW, expected_version=None, **changes) -> Article:
    values = {
        "title": article.title,
        "problem": article.problem,
        "cause": article.cause,
        "solution": article.solution,
        "audience": article.audience,
        "product_ids": list(article.products.values_list("pk", flat=True)),
        "tag_ids": list(article.tags.values_list("pk", flat=True)),
        **changes,
    }
    version = article.version if expected_version is None else expected_version
    return article_update(article=article, expected_version=version, actor=actor, now=now, **values)


def test_create_writes_a_draft_at_version_one_with_its_version_row(agent):
    product, tag = ProductFactory(), TagFactory()
    article = write(agent, product_ids=[product.pk], tag_ids=[tag.pk])

    assert (article.status, article.version, article.created_by) == ("draft", 1, agent)
    assert (article.created_at, article.updated_at, article.published_at) == (NOW, NOW, None)
    assert list(article.products.all()) == [product]
    assert list(article.tags.all()) == [tag]
    version = ArticleVersion.objects.get(article=article)
    assert (version.number, version.title, version.edited_by) == (1, TEXT["title"], agent)
    assert version.solution == TEXT["solution"]
    # Indexed on creation: the vector holds jieba's words of the text.
    article.refresh_from_db()
    assert "运输" in article.search_vector


def test_create_strips_text_and_refuses_empty_required_fields(agent):
    article = write(agent, title="  标题两边有空格  ")
    assert article.title == "标题两边有空格"
    for field in ("title", "problem", "solution"):
        with pytest.raises(ArticleInvalid) as error:
            write(agent, **{field: "   "})
        assert error.value.field == field
    assert Article.objects.count() == 1


def test_create_refuses_over_long_text_and_unknown_products_and_tags(agent):
    with pytest.raises(ArticleInvalid) as error:
        write(agent, title="长" * 201)
    assert error.value.field == "title"
    assert "200" in str(error.value)
    with pytest.raises(ArticleInvalid) as error:
        write(agent, product_ids=[987654])
    assert error.value.field == "products"
    with pytest.raises(ArticleInvalid) as error:
        write(agent, tag_ids=[987654])
    assert error.value.field == "tags"
    with pytest.raises(ArticleInvalid) as error:
        write(agent, audience="everyone")
    assert error.value.field == "audience"
    assert not Article.objects.exists()


def test_store_staff_may_read_but_not_write_articles(store_clerk):
    with pytest.raises(PermissionDeniedError):
        write(store_clerk)


def test_an_edit_of_the_text_is_the_next_version_with_its_note(agent, team_lead):
    article = write(agent)
    later = NOW + timedelta(hours=1)

    saved = edit(article, team_lead, now=later, solution="先拆运输螺栓。", note="更简洁")

    assert (saved.version, saved.solution, saved.updated_by, saved.updated_at) == (
        2,
        "先拆运输螺栓。",
        team_lead,
        later,
    )
    versions = list(ArticleVersion.objects.filter(article=article).order_by("number"))
    assert [(v.number, v.note, v.edited_by) for v in versions] == [
        (1, "", agent),
        (2, "更简洁", team_lead),
    ]
    assert versions[0].solution == TEXT["solution"]  # the old text stays readable


def test_an_edit_that_changes_nothing_writes_no_version(agent):
    article = write(agent)
    saved = edit(article, agent, now=NOW + timedelta(hours=1), note="没改什么")
    assert (saved.version, saved.updated_at) == (1, NOW)
    assert ArticleVersion.objects.filter(article=article).count() == 1


def test_changing_only_tags_writes_no_version_but_reindexes(agent):
    article = write(agent)
    tag = TagFactory(name="排水异常")
    saved = edit(article, agent, now=NOW + timedelta(minutes=5), tag_ids=[tag.pk])
    assert saved.version == 1
    assert ArticleVersion.objects.filter(article=article).count() == 1
    saved.refresh_from_db()
    assert list(saved.tags.all()) == [tag]
    assert "排水" in saved.search_vector


def test_a_save_on_a_stale_version_is_a_conflict_that_changes_nothing(agent, team_lead):
    article = write(agent)
    edit(article, team_lead, solution="甲的修改", now=NOW + timedelta(minutes=1))

    with pytest.raises(StaleArticle) as error:
        edit(article, agent, expected_version=1, solution="乙的修改")

    assert error.value.http_status == 409
    assert error.value.current.version == 2
    article.refresh_from_db()
    assert (article.version, article.solution) == (2, "甲的修改")


def test_a_save_after_a_tag_change_by_someone_else_is_a_conflict(agent, team_lead):
    article = write(agent)
    edit(article, team_lead, tag_ids=[TagFactory().pk], now=NOW + timedelta(minutes=1))
    with pytest.raises(StaleArticle):
        article_update(
            article=article,
            expected_version=1,
            seen_updated_at=NOW,  # what the second editor's form saw
            **{k: v for k, v in TEXT.items()},
            product_ids=[],
            tag_ids=[],
            note="",
            actor=agent,
            now=NOW + timedelta(minutes=2),
        )


def test_publishing_needs_the_publish_permission(agent, team_lead):
    article = write(agent)
    with pytest.raises(PermissionDeniedError):
        article_publish(article=article, actor=agent, now=NOW)

    published = article_publish(article=article, actor=team_lead, now=NOW)
    assert (published.status, published.published_at) == ("published", NOW)
    # A repeat is a no-op: the first publication time stays.
    again = article_publish(article=article, actor=team_lead, now=NOW + timedelta(hours=1))
    assert again.published_at == NOW


def test_retiring_hides_from_search_and_republishing_brings_it_back(agent, team_lead):
    article = write(agent)
    article_publish(article=article, actor=team_lead, now=NOW)
    assert [hit.article.pk for hit in article_search(query="运输螺栓").hits] == [article.pk]

    with pytest.raises(PermissionDeniedError):
        article_retire(article=article, actor=agent, now=NOW)
    retired = article_retire(article=article, actor=team_lead, now=NOW + timedelta(days=1))
    assert retired.status == "retired"
    assert article_search(query="运输螺栓").hits == []

    later = NOW + timedelta(days=2)
    republished = article_publish(article=article, actor=team_lead, now=later)
    assert (republished.status, republished.published_at) == ("published", later)
    assert [hit.article.pk for hit in article_search(query="运输螺栓").hits] == [article.pk]


def test_drafts_are_not_found_by_search(agent):
    write(agent)
    assert article_search(query="运输螺栓").hits == []
    assert len(article_search(query="运输螺栓", statuses=("draft",)).hits) == 1


# --- Create from this ticket -----------------------------------------------------------------


def resolved(ticket: Ticket, **facts) -> Ticket:
    values = {
        "status": Ticket.Status.RESOLVED,
        "root_cause": Ticket.RootCause.INSTALLATION,
        "resolution_code": Ticket.Resolution.INSTALLED,
        "resolution_note": "上门重新固定外机支架，加装减震垫。",
        **facts,
    }
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def phone_ticket(team_kitchen):
    product = ProductFactory(name="挂壁式空调", model_code="KFR-35GW")
    ticket = TicketFactory(
        team=team_kitchen,
        customer_name="王小明",
        phone="13912345678",
        product_model=product.model_code,
        description="王小明说空调外机噪音很大，回电 139 1234 5678 或 021-62345678",
        scene="夜间制冷",
        symptom="外机嗡嗡响",
    )
    tag = TagFactory(name="外机噪音")
    TicketTag.objects.create(ticket=ticket, tag=tag, source="agent", state="confirmed")
    TicketTag.objects.create(ticket=ticket, tag=TagFactory(), source="auto", state="rejected")
    return ticket, product, tag


def test_prefill_takes_problem_cause_solution_product_and_confirmed_tags(agent, phone_ticket):
    ticket, product, tag = phone_ticket
    resolved(ticket)

    values = article_prefill_from_ticket(ticket=ticket, actor=agent)

    assert values["title"] == "挂壁式空调 外机嗡嗡响"
    assert "空调外机噪音很大" in values["problem"]
    assert "夜间制冷" in values["problem"] and "外机嗡嗡响" in values["problem"]
    assert ticket.get_root_cause_display() in values["cause"]
    assert ticket.get_resolution_code_display() in values["cause"]
    assert values["solution"] == "上门重新固定外机支架，加装减震垫。"
    assert values["products"] == [product.pk]
    assert values["tags"] == [tag.pk]  # the rejected automatic tag is not carried
    assert values["audience"] == "internal"


def test_prefill_never_copies_the_customers_name_or_phone(agent, phone_ticket):
    ticket, _product, _tag = phone_ticket
    resolved(ticket, resolution_note="已电话 13912345678 通知王小明，+86 139-1234-5678 可联系")

    values = article_prefill_from_ticket(ticket=ticket, actor=agent)

    text = " ".join(str(value) for value in values.values())
    assert "王小明" not in text
    digits = "".join(ch for ch in text if ch.isdigit())
    assert "12345678" not in digits and "62345678" not in digits
    assert "***" in values["problem"] and "***" in values["solution"]


def test_prefill_needs_a_resolved_or_closed_ticket(agent, phone_ticket):
    ticket, _product, _tag = phone_ticket
    with pytest.raises(ArticleInvalid):
        article_prefill_from_ticket(ticket=ticket, actor=agent)
    resolved(ticket, status=Ticket.Status.CLOSED)
    assert article_prefill_from_ticket(ticket=ticket, actor=agent)["solution"]


def test_prefill_needs_a_ticket_the_user_may_see(agent_other_team, phone_ticket):
    ticket, _product, _tag = phone_ticket
    resolved(ticket)
    with pytest.raises(PermissionDeniedError):
        article_prefill_from_ticket(ticket=ticket, actor=agent_other_team)


def test_an_article_from_a_ticket_links_it_and_needs_it_resolved(agent, phone_ticket):
    ticket, _product, _tag = phone_ticket
    with pytest.raises(ArticleInvalid):
        write(agent, source_ticket=ticket)
    resolved(ticket)
    assert write(agent, source_ticket=ticket).source_ticket == ticket


@pytest.mark.parametrize(
    "text",
    [
        "13912345678",
        "+8613912345678",
        "+86 139 1234 5678",
        "139-1234-5678",
        "电话：021-62345678。",
        "(0755)12345678",
        "010 1234567",
    ],
)
def test_scrub_removes_phone_numbers_as_people_write_them(text):
    scrubbed = text_scrub(text)
    assert "***" in scrubbed
    assert sum(ch.isdigit() for ch in scrubbed) < 3


def test_scrub_keeps_model_codes_batches_and_quantities():
    text = "KFR-35GW 批次 B20251101，运行 15 分钟后 3 次报 E4"
    assert text_scrub(text) == text
