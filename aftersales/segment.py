"""One jieba tokenizer per process, shared by triage (intake) and knowledge search.

jieba's dictionary holds about 500,000 entries: some 65 MB of a worker's memory and seconds
to load, so a process keeps one. Triage teaches it the tag library's keywords, search the
synonym groups and the same keywords, each at a frequency high enough that jieba keeps the
word in one piece. A taught word only stays whole; it matches nothing by itself, so words
one side taught (or an older library's) do no harm to the other.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import jieba

logging.getLogger("jieba").setLevel(logging.WARNING)  # it announces every dictionary load

KEYWORD_FREQ = 1_000_000

_tokenizer = jieba.Tokenizer()
_taught: set[str] = set()
_lock = threading.Lock()  # jieba's tokenizer is not safe across threads


def learn(words: Iterable[str]) -> None:
    with _lock:
        for word in set(words) - _taught:
            _tokenizer.add_word(word, freq=KEYWORD_FREQ)
            _taught.add(word)


def cut(text: str) -> list[str]:
    """Exact mode without HMM guesses: library words stay whole, unknown runs split."""
    with _lock:
        return list(_tokenizer.cut(text, HMM=False))


def cut_for_search(text: str) -> list[str]:
    """Long words and their known parts, HMM on (what an index wants)."""
    with _lock:
        return list(_tokenizer.cut_for_search(text, HMM=True))
