"""Knowledge at work (issue 8 §2): the articles a ticket page suggests, and public articles."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from knowledge.models import Article, ArticleUse
from knowledge.search import RANK_WEIGHTS, Query, query_parse, snippet
from tickets.models import Ticket

SUGGESTIONS_ON_TICKET = 5
SUGGESTIONS_PUBLIC = 3
# A ticket's own tags weigh as much as two matched words; its product model one, its kind half.
TAG_BOOST, PRODUCT_BOOST, CATEGORY_BOOST = 2.0, 1.0, 0.5


@dataclass(frozen=True)
class Suggestion:
    article: Article
    snippet: SafeString
    solved: bool  # an agent marked it as having solved this ticket


def ticket_suggestions(*, ticket: Ticket, limit: int = SUGGESTIONS_ON_TICKET) -> list[Suggestion]:
    """Published articles for a ticket, from its words, tags and product; two queries (the
    vocabulary's stamp and this one), whatever the number of articles.

    1. Candidates: articles matching any word of the ticket's description, symptom and scene,
       or sharing a tag with it (rejected tags aside).
    2. Score: words matched, plus boosts for a shared tag, the same model, the same kind of
       product; ts_rank_cd orders within, then the tickets each solved.
    """
    parsed = query_parse(" ".join(filter(None, [ticket.symptom, ticket.description, ticket.scene])))
    table = Article._meta.db_table
    shared_tag = (
        "SELECT at.article_id FROM knowledge_article_tags at"
        " JOIN tickets_tickettag tt ON tt.tag_id = at.tag_id"
        " WHERE tt.ticket_id = %(ticket)s AND tt.state <> 'rejected'"
    )
    params: dict = {
        "ticket": ticket.pk,
        "product": ticket.product_id,
        "limit": limit,
        "weights": RANK_WEIGHTS,
        "tag_boost": TAG_BOOST,
        "product_boost": PRODUCT_BOOST,
        "category_boost": CATEGORY_BOOST,
    }
    if parsed.concepts:
        params["q"] = parsed.tsquery(every=False)
        candidates = (
            f"SELECT id FROM {table} WHERE search_vector @@ %(q)s::tsquery UNION {shared_tag}"  # noqa: S608
        )
        words = _concept_sql(parsed, params)
        rank = " + ts_rank_cd(%(weights)s::float4[], a.search_vector, %(q)s::tsquery, 33)"
    else:
        candidates, words, rank = shared_tag, "0", ""
    sql = f"""
        SELECT a.*,
            {words}{rank}
            + %(tag_boost)s * (a.id IN ({shared_tag}))::int
            + %(product_boost)s * EXISTS (SELECT 1 FROM knowledge_article_products ap
                WHERE ap.article_id = a.id AND ap.product_id = %(product)s)::int
            + %(category_boost)s * EXISTS (SELECT 1 FROM knowledge_article_products ap
                JOIN tickets_product p ON p.id = ap.product_id
                WHERE ap.article_id = a.id
                  AND p.category = (SELECT category FROM tickets_product WHERE id = %(product)s)
            )::int AS score,
            EXISTS (SELECT 1 FROM knowledge_articleuse u WHERE u.article_id = a.id
                AND u.ticket_id = %(ticket)s AND u.kind = 'solved') AS solved
        FROM {table} a
        WHERE a.id IN ({candidates}) AND a.status = 'published'
        ORDER BY score DESC, a.solved_count DESC, a.id
        LIMIT %(limit)s
    """  # noqa: S608 - fragments of our own, values bound
    return [
        Suggestion(article=article, snippet=snippet(article, parsed), solved=article.solved)
        for article in Article.objects.raw(sql, params)
    ]


def _concept_sql(parsed: Query, params: dict) -> str:
    parts = []
    for index, concept in enumerate(parsed.concept_tsqueries()):
        params[f"c{index}"] = concept
        parts.append(f"(a.search_vector @@ %(c{index})s::tsquery)::int")
    return " + ".join(parts)


def public_suggestions(*, text: str, limit: int = SUGGESTIONS_PUBLIC):
    """Public, published articles for what a customer typed on the website form."""
    from knowledge.search import article_search

    return article_search(query=text, audience=Article.Audience.PUBLIC, limit=limit).hits


def public_article_get(*, pk: int) -> Article:
    """A published public article; Article.DoesNotExist for any other."""
    return Article.objects.get(
        pk=pk, status=Article.Status.PUBLISHED, audience=Article.Audience.PUBLIC
    )


def ticket_solved_article_ids(*, ticket: Ticket) -> set[int]:
    return set(
        ArticleUse.objects.filter(ticket=ticket, kind=ArticleUse.Kind.SOLVED).values_list(
            "article_id", flat=True
        )
    )
