"""The triage corpus: tier and category accuracy and L1 recall against a senior lead's labels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from intake.triage import TriageInput, triage

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).with_name("corpus.yaml")
MIN_TIER_ACCURACY = 0.90
MIN_L1_RECALL = 1.0


@dataclass(frozen=True)
class Case:
    text: str
    tier: str
    category: str
    urgency: str = ""
    vip: bool = False
    repeat: bool = False


def load_cases(path: Path = CORPUS) -> list[Case]:
    return [Case(**row) for row in yaml.safe_load(path.read_text(encoding="utf-8"))]


def _cases() -> list[Case]:
    return load_cases()


def test_corpus_is_big_and_covers_every_tier_and_category() -> None:
    cases = _cases()
    assert len(cases) >= 150
    assert {case.tier for case in cases} == {"L1", "L2", "L3", "S"}
    assert {case.category for case in cases} == {
        "installation",
        "quality",
        "usage",
        "service",
        "suggestion",
    }
    assert len({case.text for case in cases}) == len(cases), "duplicate complaint in the corpus"


def test_corpus_tier_accuracy_category_accuracy_and_l1_recall() -> None:
    """Uses the seeded library, as production does."""
    assert_thresholds(_cases(), "triage corpus")


def assert_thresholds(cases: list[Case], name: str) -> None:
    """Prints tier accuracy, category accuracy and L1 recall; fails below the thresholds."""
    tier_ok = category_ok = l1_total = l1_found = 0
    misses: list[str] = []
    for case in cases:
        result = triage(
            TriageInput(
                description=case.text,
                urgency_self=case.urgency,
                is_vip=case.vip,
                is_repeat=case.repeat,
            )
        )
        tier_ok += result.tier == case.tier
        category_ok += result.category == case.category
        if case.tier == "L1":
            l1_total += 1
            l1_found += result.tier == "L1"
        if (result.tier, result.category) != (case.tier, case.category):
            misses.append(
                f"  {case.text}: got {result.tier}/{result.category}, "
                f"want {case.tier}/{case.category} ({'; '.join(result.reasons)})"
            )
    figures = (
        f"{name}, {len(cases)} complaints: tier accuracy {tier_ok / len(cases):.1%}, "
        f"category accuracy {category_ok / len(cases):.1%}, "
        f"L1 recall {l1_found}/{l1_total} = {l1_found / l1_total:.1%}"
    )
    print("\n" + figures + "\n" + "\n".join(misses))
    assert l1_found / l1_total >= MIN_L1_RECALL, figures + "\n" + "\n".join(misses)
    assert tier_ok / len(cases) >= MIN_TIER_ACCURACY, figures + "\n" + "\n".join(misses)
