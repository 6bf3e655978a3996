"""Knowledge search at 50,000 articles, as a ratio to the same searches at 1,000 (issue 8 §1).

Run inside the embedded PostgreSQL/Redis (or DATABASE_URL/REDIS_URL):
1. Empty the article table; build SMALL articles from the seed corpus's sentences, recombined
   (a problem, another article's cause and solution, model names), their vectors made in Python
   as knowledge.search makes them, inserted in batches (unnest arrays).
2. Time `article_search` (server time in-process, hits and snippets included) for a mix of
   agents' and customers' queries, REPEAT times each after a warm-up, and a primary-key fetch.
3. Grow to LARGE articles and time the same: median, p95, ratio large/small.
Print and write JSON (bench/results/knowledge_search.json). Target: p95 ≤ 50 ms at LARGE.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
SMALL = int(os.environ.get("BENCH_KB_SMALL", "1000"))
LARGE = int(os.environ.get("BENCH_KB_LARGE", "50000"))
REPEAT = int(os.environ.get("BENCH_KB_REPEAT", "20"))
BATCH = 5000
TARGET_MS = 50

QUERIES = [
    # agents' words
    "空调不制冷",
    "洗衣机脱水异响",
    "燃气热水器点火失败",
    "打印机卡纸",
    "冰箱冷藏室温度高",
    "e1 故障码",
    # customers' words
    "洗衣机甩干的时候晃得厉害还咚咚响",
    "挂机吹出来的风不冷",
    "热水器打不着火一直出凉水",
    "路由器老是掉线看视频卡",
    "米饭中间是硬的没熟",
    "手机插着线半天电量不涨",
    "做饭时厨房全是烟抽不干净",
    "漏水",
]
MODELS = [
    "KFR-35GW", "KFR-72LW", "BCD-520WKPZM", "BCD-172CM", "XQG100-BD14376LU1", "TB80V23H",
    "JSQ30-16HWA", "F6021-X1", "MB-FB40E511", "LJ2405DN", "L3158", "M7205DW",
]  # fmt: skip
PLACES = ["北京", "上海", "广州", "成都", "杭州", "武汉", "南京", "西安", "重庆", "天津"]


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class _Corpus:
    """Sentences of the seed articles with their words cut once: 50k vectors without 50k cuts."""

    def __init__(self) -> None:
        from knowledge.search import vocabulary, words
        from knowledge.seed_articles import ARTICLES

        self.vocab = vocabulary()
        self.seeds = ARTICLES
        cache: dict[str, list[str]] = {}

        def cut(text: str) -> list[str]:
            if text not in cache:
                cache[text] = words(text, self.vocab)
            return cache[text]

        self.cut = cut

    def article(self, n: int, rng: random.Random) -> tuple:
        seed = self.seeds[n % len(self.seeds)]
        other = rng.choice(self.seeds)
        third = rng.choice(self.seeds)
        model, place = rng.choice(MODELS), rng.choice(PLACES)
        title = f"{seed.title}（{model}）"
        problem = f"{place}用户反映：{seed.problem}{third.problem[: rng.randint(0, 20)]}"
        cause = f"{seed.cause}{other.cause[: rng.randint(0, 30)]}"
        solution = f"{seed.solution}另：{other.solution[: rng.randint(10, 60)]}"
        sections = (
            ("A", [*self.cut(seed.title), model.lower()]),
            (
                "B",
                [
                    *self.cut(f"{place}用户反映"),
                    *self.cut(seed.problem),
                    *self.cut(third.problem[:20]),
                ],
            ),
            ("C", [model.lower()]),
            ("D", [*self.cut(seed.cause), *self.cut(other.cause), *self.cut(other.solution)]),
        )
        vector = _vector(sections)
        audience = "public" if n % 2 else "internal"
        status = "published" if n % 10 else "draft"
        return title, problem, cause, solution, audience, status, rng.randint(0, 40), vector


def _vector(sections) -> str:
    from knowledge.search import _quoted

    positions: dict[str, list[str]] = {}
    position = 0
    for weight, tokens in sections:
        for token in tokens:
            position += 1
            positions.setdefault(token, []).append(f"{position}{weight}")
    return " ".join(f"{_quoted(w)}:{','.join(p)}" for w, p in positions.items())


def _fill(corpus: _Corpus, start: int, stop: int, now) -> None:
    from django.db import connection

    from knowledge.models import Article

    rng = random.Random(start)
    for first in range(start, stop, BATCH):
        rows = [corpus.article(n, rng) for n in range(first, min(first + BATCH, stop))]
        columns = list(zip(*rows, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {Article._meta.db_table} (title, problem, cause, solution, audience,
                    status, solved_count, search_vector, version, deflected_count, created_at,
                    updated_at)
                SELECT t, p, c, s, a, st, sc, v::tsvector, 1, 0, %s, %s
                FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                            %s::text[], %s::int[], %s::text[]) AS x(t, p, c, s, a, st, sc, v)
                """,
                [now, now, *[list(column) for column in columns]],
            )
    with connection.cursor() as cursor:
        # As autovacuum would: statistics, and the GIN index's pending list merged.
        cursor.execute(f"VACUUM ANALYZE {Article._meta.db_table}")


def _time(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _measure() -> dict:
    from knowledge.models import Article
    from knowledge.search import article_search

    per_query = {}
    every: list[float] = []
    for query in QUERIES:
        totals = []

        def run(query=query, totals=totals):
            totals.append(article_search(query=query, limit=20).total)

        times = _time(run, REPEAT)
        every += times
        per_query[query] = {
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(_p95(times), 2),
            "total": totals[-1],
        }
    public = _time(lambda: article_search(query="洗衣机甩干晃", audience="public"), REPEAT)
    pk = Article.objects.order_by("pk").values_list("pk", flat=True).first()
    fetch = _time(lambda: Article.objects.get(pk=pk), REPEAT * 5)
    return {
        "median_ms": round(statistics.median(every), 2),
        "p95_ms": round(_p95(every), 2),
        "max_ms": round(max(every), 2),
        "public_median_ms": round(statistics.median(public), 2),
        "pk_fetch_median_ms": round(statistics.median(fetch), 3),
        "queries": per_query,
    }


def _plan(query: str) -> list[str]:
    """EXPLAIN ANALYZE of the main statement for one query, first lines."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from knowledge.search import article_search

    with CaptureQueriesContext(connection) as captured:
        article_search(query=query)
    sql = next(q["sql"] for q in captured.captured_queries if "ts_rank_cd" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return [line for (line,) in cursor.fetchall()][:12]


def main() -> int:
    _setup()
    from django.db import connection
    from django.utils import timezone

    from knowledge.models import Article

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Article._meta.db_table} CASCADE")
    corpus = _Corpus()
    started = time.perf_counter()
    _fill(corpus, 0, SMALL, now)
    small = _measure()
    _fill(corpus, SMALL, LARGE, now)
    filled_s = time.perf_counter() - started
    large = _measure()
    result = {
        "benchmark": "knowledge_search",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "articles": {"small": SMALL, "large": LARGE},
        "fill_seconds": round(filled_s, 1),
        "repeat": REPEAT,
        "target": {"p95_ms_at_large": TARGET_MS},
        "small": small,
        "large": large,
        "ratio_large_to_small_median": round(large["median_ms"] / small["median_ms"], 2),
        "ratio_large_median_to_pk_fetch": round(
            large["median_ms"] / large["pk_fetch_median_ms"], 1
        ),
        "plan_large": _plan(QUERIES[6]),
        "met": large["p95_ms"] <= TARGET_MS,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "knowledge_search.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
