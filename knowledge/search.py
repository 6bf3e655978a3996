"""Chinese search over the knowledge base: jieba words in a PostgreSQL tsvector (issue 8 §1).

PostgreSQL has no Chinese parser, so this module segments in Python and hands PostgreSQL
finished lexemes: the article's vector is a tsvector literal of jieba's words with positions and
weights (title A, problem B, tags and products C, cause and solution D), the query a tsquery
literal of words this module built (only word characters, quoted), both cast with `::`, so no
PostgreSQL parser re-splits them and no raw input reaches either.

A query word stands for a concept: the word, its synonym groups (SynonymGroup) and, when it is a
keyword of a tag in the library, that tag's other keywords. An article must match every concept
first; only when that finds too few does any concept do, ranked by how many concepts an article
matches, then by ts_rank_cd, then by how many tickets it solved.

Ranking reads each candidate's vector, so it is bounded: of more than CANDIDATES matches only
those that solved most tickets are ranked, by a cheap ts_rank on the query's own words first and
ts_rank_cd (dearer with many synonyms) on the best RERANK. That keeps a search at 50,000
articles within 50 ms (bench/knowledge_search.py).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import jieba
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from knowledge.models import Article

# A customer may paste a whole letter: only its start is searched (and segmented).
MAX_QUERY_CHARS = 200
MAX_CONCEPTS = 10
MAX_LEXEME_CHARS = 30
# tsvector positions stop at 16383; an article's words beyond this carry no new position.
MAX_POSITIONS = 16_000
# ts_rank_cd's weights for D, C, B, A.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
# Below this many all-concept hits, any concept will do.
FALLBACK_BELOW = 3
# Ranking reads every candidate's vector: past this many matches only those that solved the
# most tickets are ranked (≤ 50 ms at 50,000 articles), and the best RERANK of them by ts_rank
# get the dearer ts_rank_cd.
CANDIDATES = 200
RERANK = 40
SNIPPET_CHARS = 80
KEYWORD_FREQ = 1_000_000  # high enough that jieba keeps a taught word in one piece

CATEGORY_WORDS = {
    "air_conditioner": "空调",
    "refrigerator": "冰箱",
    "washing_machine": "洗衣机",
    "water_heater": "热水器",
    "rice_cooker": "电饭煲",
    "printer": "打印机",
}

STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "我家",
        "我们",
        "你",
        "你们",
        "您",
        "他",
        "她",
        "它",
        "在",
        "有",
        "和",
        "与",
        "及",
        "或",
        "也",
        "都",
        "就",
        "还",
        "又",
        "很",
        "太",
        "非常",
        "特别",
        "一直",
        "总是",
        "经常",
        "老是",
        "有点",
        "有些",
        "一点",
        "一下",
        "这",
        "那",
        "这个",
        "那个",
        "这样",
        "那样",
        "这种",
        "怎么",
        "怎么办",
        "怎么回事",
        "怎样",
        "如何",
        "什么",
        "为什么",
        "为啥",
        "咋",
        "咋办",
        "咋回事",
        "吗",
        "呢",
        "啊",
        "吧",
        "呀",
        "哦",
        "嗯",
        "哈",
        "啦",
        "么",
        "请问",
        "请",
        "麻烦",
        "帮忙",
        "帮",
        "帮我",
        "能",
        "能不能",
        "可以",
        "会",
        "要",
        "想",
        "需要",
        "时候",
        "的时候",
        "时",
        "后",
        "之后",
        "以后",
        "刚",
        "刚刚",
        "现在",
        "今天",
        "昨天",
        "最近",
        "已经",
        "一个",
        "个",
        "台",
        "次",
        "下",
        "上",
        "中",
        "里",
        "把",
        "被",
        "给",
        "让",
        "对",
        "从",
        "到",
        "用",
        "说",
        "看",
        "问题",
        "情况",
        "出现",
        "东西",
        "一样",
        "然后",
        "但是",
        "可是",
        "而且",
        "所以",
        "因为",
        "如果",
        "还是",
        "或者",
        "谢谢",
        "你好",
        "您好",
        "客服",
        "买",
        "买的",
        "新买",
        "刚买",
        "自己",
        "家里",
        "一台",
        "部",
    ]
)
# Invisible characters a paste brings along (zero-width spaces, joiners, BOM) are dropped.
_INVISIBLE = dict.fromkeys(cp for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E))
_WORD = re.compile(r"^\w+$")


@dataclass(frozen=True)
class Hit:
    article: Article
    rank: float
    snippet: SafeString


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int
    query_words: list[str] = field(default_factory=list)
    capped: bool = False  # more than CANDIDATES matched: total is CANDIDATES


@dataclass(frozen=True)
class Query:
    """A segmented query: its words, and for each the alternatives that count as it."""

    words: list[str]
    concepts: list[frozenset[str]]

    @property
    def alternatives(self) -> set[str]:
        return set().union(*self.concepts) if self.concepts else set()

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """Any of the alternatives, longest first: what a snippet marks."""
        marks = sorted(self.alternatives, key=len, reverse=True)
        return re.compile("|".join(re.escape(word) for word in marks)) if marks else None

    def tsquery(self, *, every: bool) -> str:
        """The tsquery literal: (a | b) & (c | d), or a | b | c | d."""
        groups = [" | ".join(_quoted(word) for word in sorted(c)) for c in self.concepts]
        if every:
            return " & ".join(f"({group})" for group in groups)
        return " | ".join(groups)

    def concept_tsqueries(self) -> list[str]:
        """One tsquery literal per concept: a | b."""
        return [" | ".join(_quoted(word) for word in sorted(c)) for c in self.concepts]


def _quoted(lexeme: str) -> str:
    # Lexemes hold word characters only (see _keep); quoting still guards the literal.
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# Vocabulary: the synonym groups and the tag library's keywords, cached on their stamp.


@dataclass(frozen=True)
class _Vocabulary:
    groups: dict[str, frozenset[str]]  # word -> every word of every group it is in
    words: frozenset[str]


_tokenizer = jieba.Tokenizer()
_tokenizer_words: set[str] = set()
_lock = threading.Lock()
_vocabulary_cache: tuple[tuple, _Vocabulary] | None = None

_STAMP_SQL = """
SELECT (SELECT count(*) FROM knowledge_synonymgroup),
       (SELECT max(updated_at) FROM knowledge_synonymgroup),
       (SELECT count(*) FROM tickets_tag),
       (SELECT max(updated_at) FROM tickets_tag)
"""


def vocabulary() -> _Vocabulary:
    """The synonym map, rebuilt when a synonym group or a tag is added, removed or saved."""
    global _vocabulary_cache
    with connection.cursor() as cursor:
        cursor.execute(_STAMP_SQL)
        stamp = tuple(cursor.fetchone())
    cached = _vocabulary_cache
    if cached is not None and cached[0] == stamp:
        return cached[1]
    built = _vocabulary_build()
    _vocabulary_cache = (stamp, built)
    return built


def _vocabulary_build() -> _Vocabulary:
    from knowledge.models import SynonymGroup
    from tickets.models import Tag

    word_groups: list[set[str]] = []
    for words in SynonymGroup.objects.values_list("words", flat=True):
        group = {w for w in (normalise(word).strip() for word in words) if _WORD.match(w)}
        if len(group) > 1:
            word_groups.append(group)
    tags = Tag.objects.filter(is_active=True).exclude(keywords=[]).values_list("keywords", "name")
    for keywords, name in tags:
        group = {w for w in (_plain_keyword(raw) for raw in keywords or []) if w}
        name = normalise(name)
        if _WORD.match(name):
            group.add(name)
        if len(group) > 1:
            word_groups.append(group)
    groups: dict[str, set[str]] = {}
    for group in word_groups:
        for word in group:
            groups.setdefault(word, set()).update(group)
    words = frozenset(groups)
    _learn(words)
    return _Vocabulary(groups={w: frozenset(g) for w, g in groups.items()}, words=words)


def _plain_keyword(raw: str) -> str:
    """A tag keyword usable as a search word: not a pattern, a combination or an exception."""
    body = normalise(str(raw)).strip().split("!")[0]
    if body.startswith(("re:", "rx:")) or "+" in body:
        return ""
    return body if _WORD.match(body) and len(body) <= MAX_LEXEME_CHARS else ""


def _learn(words: Iterable[str]) -> None:
    with _lock:
        for word in set(words) - _tokenizer_words:
            _tokenizer.add_word(word, freq=KEYWORD_FREQ)
            _tokenizer_words.add(word)


# ---------------------------------------------------------------------------------------------
# Segmentation.


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, invisible characters gone."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).lower()


def _keep(token: str, vocab: _Vocabulary) -> bool:
    token = token.strip()
    if not token or len(token) > MAX_LEXEME_CHARS or not _WORD.match(token):
        return False
    if token in STOP_WORDS or (token.isdigit() and len(token) < 3):
        return False
    return len(token) > 1 or token in vocab.words


def words(text: str, vocab: _Vocabulary) -> list[str]:
    """jieba's search words of a text (long words and their known parts), stop words dropped."""
    with _lock:
        tokens = list(_tokenizer.cut_for_search(normalise(text), HMM=True))
    return [token.strip() for token in tokens if _keep(token, vocab)]


def query_parse(text: str, vocab: _Vocabulary | None = None) -> Query:
    """The query's words (of its first MAX_QUERY_CHARS characters) and each word's concept.

    1. Segment; the longest words lead, a word inside a kept one ("制冷" in "不制冷") joins
       that word's concept instead of asking for itself.
    2. A word already among a concept's synonyms ("甩干" after "脱水") adds nothing.
    3. Concepts keep the order the customer wrote them in; at most MAX_CONCEPTS.
    """
    vocab = vocab or vocabulary()
    found = list(dict.fromkeys(words((text or "")[:MAX_QUERY_CHARS], vocab)))
    kept: list[str] = []
    concepts: dict[str, set[str]] = {}
    for word in sorted(found, key=len, reverse=True):
        home = next(
            (k for k in kept if word in concepts[k] or (word in k and len(word) < len(k))), None
        )
        if home is not None:
            concepts[home].add(word)
            continue
        kept.append(word)
        concepts[word] = set(vocab.groups.get(word, ())) | {word}
    ordered = sorted(kept, key=found.index)[:MAX_CONCEPTS]
    return Query(words=ordered, concepts=[frozenset(concepts[word]) for word in ordered])


# ---------------------------------------------------------------------------------------------
# Indexing.


def article_vector(article: Article, vocab: _Vocabulary) -> str:
    """The tsvector literal of an article: its words with positions and weights A-D."""
    tag_names = " ".join(tag.name for tag in article.tags.all())
    products = " ".join(
        f"{product.name} {product.model_code} {CATEGORY_WORDS.get(product.category, '')}"
        for product in article.products.all()
    )
    sections = (
        ("A", article.title),
        ("B", article.problem),
        ("C", f"{tag_names} {products}"),
        ("D", f"{article.cause} {article.solution}"),
    )
    return vector_literal(sections, vocab)


def vector_literal(sections: Sequence[tuple[str, str]], vocab: _Vocabulary) -> str:
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, text in sections:
        for word in words(text, vocab):
            position = min(position + 1, MAX_POSITIONS)
            positions.setdefault(word, []).append(f"{position}{weight}")
    return " ".join(
        f"{_quoted(word)}:{','.join(places[:256])}" for word, places in positions.items()
    )


def article_index(*, article_ids: Iterable[int]) -> None:
    """Recompute search_vector of these articles (title A, problem B, tags/products C,
    cause+solution D) from jieba's words."""
    ids = list(article_ids)
    if not ids:
        return
    vocab = vocabulary()
    articles = Article.objects.filter(pk__in=ids).prefetch_related("tags", "products")
    rows = [(article.pk, article_vector(article, vocab)) for article in articles]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Article._meta.db_table} SET search_vector = %s::tsvector WHERE id = %s",  # noqa: S608
            [(vector, pk) for pk, vector in rows],
        )


# ---------------------------------------------------------------------------------------------
# Searching.


def article_search(
    *,
    query: str,
    audience: str | None = None,
    statuses: Sequence[str] = ("published",),
    product_ids: Sequence[int] = (),
    tag_ids: Sequence[int] = (),
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Articles matching every concept of the query (or, when too few do, any), best first.

    SearchPage(hits=[Hit(article, rank, snippet)], total, query_words); snippet is a
    SafeString with <mark> around matched words, every other character escaped. Past
    CANDIDATES matches, total stops there and `capped` says so.
    """
    parsed = query_parse(query)
    if not parsed.concepts:
        return SearchPage(hits=[], total=0, query_words=[])
    limit = max(0, min(int(limit), 100))
    offset = max(0, min(int(offset), CANDIDATES - limit))
    where, params = _filters(
        audience=audience, statuses=statuses, product_ids=product_ids, tag_ids=tag_ids
    )
    page = dict(limit=limit, offset=offset, where=where, params=params)
    rows, total = _ranked(parsed, every=True, **page)
    if total < FALLBACK_BELOW and len(parsed.concepts) > 1:
        rows, total = _ranked(parsed, every=False, **page)
    return SearchPage(
        hits=_hits(rows, parsed),
        total=min(total, CANDIDATES),
        query_words=parsed.words,
        capped=total > CANDIDATES,
    )


def _filters(*, audience, statuses, product_ids, tag_ids) -> tuple[list[str], dict]:
    where, params = ["a.status = ANY(%(statuses)s)"], {"statuses": list(statuses)}
    if audience:
        where.append("a.audience = %(audience)s")
        params["audience"] = audience
    if product_ids:
        where.append(
            "EXISTS (SELECT 1 FROM knowledge_article_products p"
            " WHERE p.article_id = a.id AND p.product_id = ANY(%(products)s))"
        )
        params["products"] = [int(pk) for pk in product_ids]
    if tag_ids:
        where.append(
            "EXISTS (SELECT 1 FROM knowledge_article_tags t"
            " WHERE t.article_id = a.id AND t.tag_id = ANY(%(tags)s))"
        )
        params["tags"] = [int(pk) for pk in tag_ids]
    return where, params


def _ranked(parsed: Query, *, every: bool, where, params, limit: int, offset: int):
    """One statement, cheap work first (see the module's docstring):

    1. `matched`: every article the tsquery matches (the GIN index), with its solved_count.
    2. `capped`: of those, the CANDIDATES that solved most tickets (a sort of integers).
    3. `pre`: concepts matched plus ts_rank on the query's own words; the best RERANK go on.
    4. Their score: concepts matched plus ts_rank_cd on the whole query (synonyms and all);
       the page's articles come back in the same statement.
    """
    table = Article._meta.db_table
    concepts = " + ".join(f"(c.v @@ %(c{i})s::tsquery)::int" for i in range(len(parsed.concepts)))
    sql = f"""
        WITH matched AS MATERIALIZED (
            SELECT a.id, a.solved_count FROM {table} a
            WHERE a.search_vector @@ %(q)s::tsquery AND {" AND ".join(where)}
        ), capped AS MATERIALIZED (
            SELECT a.id, a.solved_count, a.search_vector AS v
            FROM (SELECT id FROM matched ORDER BY solved_count DESC, id DESC
                  LIMIT %(candidates)s) best
            JOIN {table} a ON a.id = best.id
        ), pre AS MATERIALIZED (
            SELECT c.id, c.solved_count, c.v, {concepts} AS concepts,
                ts_rank(%(weights)s::float4[], c.v, %(words)s::tsquery, 32) AS pre
            FROM capped c
            ORDER BY concepts DESC, pre DESC, c.solved_count DESC, c.id
            LIMIT %(rerank)s
        ), ranked AS (
            SELECT p.id, p.solved_count,
                p.concepts + ts_rank_cd(%(weights)s::float4[], p.v, %(q)s::tsquery, 33) AS score
            FROM pre p
            ORDER BY score DESC, p.solved_count DESC, p.id
            LIMIT %(limit)s OFFSET %(offset)s
        )
        SELECT a.*, r.score, (SELECT count(*) FROM matched) AS total
        FROM ranked r JOIN {table} a ON a.id = r.id
        ORDER BY r.score DESC, r.solved_count DESC, r.id
    """  # noqa: S608 - fragments of our own, values bound
    values = {
        **params,
        **{f"c{i}": concept for i, concept in enumerate(parsed.concept_tsqueries())},
        "q": parsed.tsquery(every=every),
        "words": " | ".join(_quoted(word) for word in parsed.words),
        "weights": RANK_WEIGHTS,
        "candidates": CANDIDATES,
        "rerank": max(RERANK, offset + limit),
        "limit": limit,
        "offset": offset,
    }
    articles = list(Article.objects.raw(sql, values))
    total = articles[0].total if articles else 0
    if not articles and offset:
        total = _count(values, where=where)
    return articles, total


def _count(values: dict, *, where: list[str]) -> int:
    sql = f"""
        SELECT count(*) FROM {Article._meta.db_table} a
        WHERE a.search_vector @@ %(q)s::tsquery AND {" AND ".join(where)}
    """  # noqa: S608 - fragments of our own, values bound
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone()[0]


def _hits(articles: list[Article], parsed: Query) -> list[Hit]:
    return [
        Hit(article=article, rank=float(article.score), snippet=snippet(article, parsed))
        for article in articles
    ]


def snippet(article: Article, parsed: Query, *, width: int = SNIPPET_CHARS) -> SafeString:
    """Some of the problem (or else the solution) around its first matched word, escaped,
    every matched word in <mark>."""
    pattern = parsed.pattern
    texts = [article.problem, article.solution, article.cause]
    chosen, start = texts[0], 0
    for text in texts:
        found = pattern.search(normalise(text)) if pattern else None
        if found:
            chosen, start = text, max(0, found.start() - width // 4)
            break
    return highlight(chosen, pattern, start=start, width=width)


def highlight(
    text: str, pattern: re.Pattern[str] | None, *, start: int = 0, width: int = SNIPPET_CHARS
) -> SafeString:
    # NFKC keeps CJK text at the same length in all but rare cases; if it does not, mark nothing.
    window = text[start : start + width]
    lowered = normalise(window)
    pieces: list[str] = ["…" if start > 0 else ""]
    if pattern is None or len(lowered) != len(window):
        pieces.append(escape(window))
    else:
        last = 0
        for found in pattern.finditer(lowered):
            pieces.append(escape(window[last : found.start()]))
            pieces.append(f"<mark>{escape(window[found.start() : found.end()])}</mark>")
            last = found.end()
        pieces.append(escape(window[last:]))
    if start + width < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above


def articles_reindex(*, batch: int = 500) -> int:
    """Recompute every article's vector: after synonym groups or tags changed the words jieba
    keeps whole (a Celery task or the admin calls it). Returns how many were indexed."""
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        article_index(article_ids=ids[start : start + batch])
    return len(ids)
