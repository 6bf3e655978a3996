"""The held-out corpus: other wording (spoken, typos, model codes, unknown products, indirect
safety and escalation), labelled before the engine saw it; the same thresholds as corpus.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.intake.triage.test_corpus import assert_thresholds, load_cases

pytestmark = pytest.mark.django_db

HOLDOUT = Path(__file__).with_name("corpus_holdout.yaml")


def test_holdout_is_big_new_and_covers_every_tier_and_category() -> None:
    cases = load_cases(HOLDOUT)
    assert len(cases) >= 120
    assert {case.tier for case in cases} == {"L1", "L2", "L3", "S"}
    assert {case.category for case in cases} == {
        "installation",
        "quality",
        "usage",
        "service",
        "suggestion",
    }
    texts = {case.text for case in cases}
    assert len(texts) == len(cases), "duplicate complaint in the holdout corpus"
    assert not texts & {case.text for case in load_cases()}, "holdout repeats corpus.yaml"


def test_holdout_tier_accuracy_category_accuracy_and_l1_recall() -> None:
    assert_thresholds(load_cases(HOLDOUT), "holdout corpus")
