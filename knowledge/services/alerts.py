"""Early alerts (issue 8 §4): a product model + batch, or a tag, with too many tickets.

Two rules, per Shanghai calendar month:

1. **threshold**: more than `KNOWLEDGE_ALERT_THRESHOLD` tickets (seed 004: "more than 5 in a
   month").
2. **spike**: the count so far against the subject's own baseline, the average monthly count
   of the previous `KNOWLEDGE_ALERT_BASELINE_MONTHS` months. The comparison is fair to a
   month in progress: the baseline is scaled to the share of the month that has passed
   (10 days into a 30-day month, a baseline of 3 a month expects 1), and the rule fires when
   the count is at least `KNOWLEDGE_ALERT_SPIKE_RATIO` times that and at least
   `KNOWLEDGE_ALERT_SPIKE_MIN_COUNT` tickets, so two tickets on the 1st do not alert. A
   subject with no ticket in the baseline months has no baseline to rise against: the
   threshold rule covers new problems.

Each alert is raised once per subject, rule and month (Alert's unique constraint); a rerun
updates the count of the alerts it finds and creates nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from knowledge.models import Alert
from knowledge.selectors.alerts import (
    Window,
    batch_counts,
    elapsed_share,
    month_of,
    month_shift,
    month_window,
    tag_counts,
)
from tickets.models import User


@dataclass(frozen=True)
class Rules:
    threshold: int
    spike_ratio: float
    baseline_months: int
    spike_min_count: int


def alert_rules() -> Rules:
    """The KNOWLEDGE_ALERT_* settings (defaults and bounds are the settings module's)."""
    return Rules(
        threshold=settings.KNOWLEDGE_ALERT_THRESHOLD,
        spike_ratio=float(settings.KNOWLEDGE_ALERT_SPIKE_RATIO),
        baseline_months=settings.KNOWLEDGE_ALERT_BASELINE_MONTHS,
        spike_min_count=settings.KNOWLEDGE_ALERT_SPIKE_MIN_COUNT,
    )


def is_spike(*, count: int, baseline: float, share: float, rules: Rules) -> bool:
    """Whether `count` tickets so far, `share` of the way through the month, rise sharply
    against a baseline of `baseline` a month."""
    if baseline <= 0 or count < rules.spike_min_count:
        return False
    return count >= rules.spike_ratio * baseline * share


@dataclass(frozen=True)
class Hit:
    kind: str
    rule: str
    subject: tuple  # (product_id, batch) or (tag_id,)
    count: int
    baseline: float


def _baselines(window: Window, rules: Rules) -> tuple[dict, dict]:
    """Average monthly counts per subject over the months before the window."""
    start = month_window(month_shift(window.month, -rules.baseline_months)).start
    batches = batch_counts(start=start, end=window.start)
    tags = tag_counts(start=start, end=window.start)
    per_month = float(rules.baseline_months)
    return (
        {key: n / per_month for key, n in batches.items()},
        {key: n / per_month for key, n in tags.items()},
    )


def alert_hits(*, window: Window, now, rules: Rules) -> list[Hit]:
    """Every (subject, rule) the window's counts at `now` trip; pure reads."""
    counts = {
        Alert.Kind.BATCH: batch_counts(**_span(window)),
        Alert.Kind.TAG: {(tag_id,): n for tag_id, n in tag_counts(**_span(window)).items()},
    }
    batch_base, tag_base = _baselines(window, rules)
    baselines = {
        Alert.Kind.BATCH: batch_base,
        Alert.Kind.TAG: {(tag_id,): n for tag_id, n in tag_base.items()},
    }
    share = elapsed_share(window, now)
    hits: list[Hit] = []
    for kind, subjects in counts.items():
        for subject, count in subjects.items():
            baseline = baselines[kind].get(subject, 0.0)
            if count > rules.threshold:
                hits.append(Hit(kind, Alert.Rule.THRESHOLD, subject, count, baseline))
            if is_spike(count=count, baseline=baseline, share=share, rules=rules):
                hits.append(Hit(kind, Alert.Rule.SPIKE, subject, count, baseline))
    return hits


def _span(window: Window) -> dict:
    return {"start": window.start, "end": window.end}


def _subject_fields(hit: Hit) -> dict:
    if hit.kind == Alert.Kind.BATCH:
        product_id, batch = hit.subject
        return {"product_id": product_id, "batch": batch, "tag_id": None}
    return {"product_id": None, "batch": "", "tag_id": hit.subject[0]}


def _alert_get_or_create(*, hit: Hit, window: Window, now) -> tuple[Alert, bool]:
    """The window's alert for the hit's subject and rule, created if missing.

    A concurrent check that inserts the same alert first makes our insert hit the unique
    constraint: the savepoint rolls back just that insert and we read theirs.
    """
    key = {"kind": hit.kind, "rule": hit.rule, "period_start": window.start, **_subject_fields(hit)}
    existing = Alert.objects.select_for_update().filter(**key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                **key,
                period_end=window.end,
                count=hit.count,
                baseline=hit.baseline,
                created_at=now,
            )
        return alert, True
    except IntegrityError:
        return Alert.objects.select_for_update().get(**key), False


@transaction.atomic
def alerts_check(*, now=None) -> list[Alert]:
    """Raise the alerts of the Shanghai month holding `now`; return the ones newly raised.

    1. Count the month's tickets per model + batch and per tag, and their baselines (SQL).
    2. For each subject over a rule: create its alert once, or refresh the count of the one
       an earlier run raised.
    """
    now = now or timezone.now()
    rules = alert_rules()
    window = month_window(month_of(now))
    raised: list[Alert] = []
    for hit in alert_hits(window=window, now=now, rules=rules):
        alert, created = _alert_get_or_create(hit=hit, window=window, now=now)
        if created:
            raised.append(alert)
        elif (alert.count, alert.baseline) != (hit.count, hit.baseline):
            alert.count, alert.baseline = hit.count, hit.baseline
            alert.save(update_fields=["count", "baseline"])
    return raised


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: User, now=None) -> Alert:
    """Mark an alert as seen by `actor`; acknowledging it again changes nothing."""
    now = now or timezone.now()
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.acknowledged_at is None:
        locked.acknowledged_by, locked.acknowledged_at = actor, now
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return locked
