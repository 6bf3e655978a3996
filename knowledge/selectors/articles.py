"""Reads on knowledge articles for the staff pages: list and search, an article, its versions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, QuerySet, prefetch_related_objects
from django.utils.safestring import SafeString

from knowledge.models import Article, ArticleVersion
from knowledge.search import article_search
from tickets.models import Product, Tag, Ticket, User
from tickets.selectors.core import ticket_visible_to

PER_PAGE = 20
# Page numbers past this are refused as nonsense (20,000 articles deep), not queried.
MAX_PAGE = 1000


@dataclass(frozen=True)
class ArticleRow:
    article: Article
    snippet: SafeString | None = None


@dataclass(frozen=True)
class ArticlePage:
    rows: list[ArticleRow]
    total: int
    number: int
    per_page: int = PER_PAGE
    query_words: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class FilterChoices:
    products: list[Product]
    tag_groups: list[tuple[Tag, list[Tag]]]


def article_filter_choices() -> FilterChoices:
    """The product models and the tag library (leaves under their parents): two queries."""
    groups: dict[int, tuple[Tag, list[Tag]]] = {}
    leaves = Tag.objects.filter(is_active=True, parent__isnull=False).select_related("parent")
    for tag in leaves.order_by("parent__name", "name"):
        groups.setdefault(tag.parent_id, (tag.parent, []))[1].append(tag)
    return FilterChoices(products=list(Product.objects.all()), tag_groups=list(groups.values()))


def _with_labels(articles: list[Article]) -> list[Article]:
    """Products and tags (with their parents) of any number of articles in two queries."""
    prefetch_related_objects(
        articles, "products", Prefetch("tags", queryset=Tag.objects.select_related("parent"))
    )
    return articles


def article_list_page(
    *,
    query: str = "",
    statuses: tuple[str, ...] = (Article.Status.PUBLISHED,),
    audience: str | None = None,
    product_id: int | None = None,
    tag_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ArticlePage:
    """One page of articles: the search's best first for a query, else the latest published.

    The caller has checked `knowledge.view_article` and chosen the statuses the user may list.
    A fixed number of queries whatever the number of articles.
    """
    page = min(max(page, 1), MAX_PAGE)
    offset = (page - 1) * per_page
    product_ids = [product_id] if product_id else []
    tag_ids = [tag_id] if tag_id else []
    if query.strip():
        found = article_search(
            query=query,
            audience=audience,
            statuses=statuses,
            product_ids=product_ids,
            tag_ids=tag_ids,
            limit=per_page,
            offset=offset,
        )
        _with_labels([hit.article for hit in found.hits])
        rows = [ArticleRow(hit.article, hit.snippet) for hit in found.hits]
        return ArticlePage(rows, found.total, page, per_page, found.query_words)
    articles = Article.objects.filter(status__in=statuses)
    if audience:
        articles = articles.filter(audience=audience)
    if product_ids:
        articles = articles.filter(products__in=product_ids)
    if tag_ids:
        articles = articles.filter(tags__in=tag_ids)
    total = articles.count()
    newest = (F("published_at").desc(nulls_last=True), "-updated_at", "-pk")
    latest = articles.order_by(*newest).defer("search_vector")
    chosen = _with_labels(list(latest[offset : offset + per_page]))
    return ArticlePage([ArticleRow(article) for article in chosen], total, page, per_page)


def article_get(*, pk: int) -> Article:
    """One article with its authors, source ticket, products and tags (Article.DoesNotExist)."""
    return (
        Article.objects.select_related("created_by", "updated_by", "source_ticket")
        .prefetch_related(
            "products", Prefetch("tags", queryset=Tag.objects.select_related("parent"))
        )
        .defer("search_vector")
        .get(pk=pk)
    )


def article_versions(*, article: Article) -> QuerySet[ArticleVersion]:
    """The article's versions, newest first, with who saved each."""
    return article.versions.select_related("edited_by").order_by("-number")


def article_version_get(*, article: Article, number: int) -> ArticleVersion:
    return article_versions(article=article).get(number=number)


def article_source_ticket_for_user(*, article: Article, user: User) -> Ticket | None:
    """The ticket the article was written from, if there is one and the user may see it."""
    if article.source_ticket_id is None:
        return None
    return ticket_visible_to(user=user).filter(pk=article.source_ticket_id).first()


def article_drafts_of(*, user: User, limit: int = 10) -> list[Article]:
    """The user's own drafts, latest first, so an author finds what they started."""
    drafts = Article.objects.filter(created_by=user, status=Article.Status.DRAFT)
    return list(drafts.order_by("-updated_at").only("pk", "title", "updated_at")[:limit])
