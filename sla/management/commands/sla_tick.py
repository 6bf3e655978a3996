"""python manage.py sla_tick [--now ISO]: one SLA sweep, for operators and tests."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sla.services import sla_sweep


class Command(BaseCommand):
    help = "Run one SLA sweep now (or as of --now) and print what it did."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="Sweep as of this ISO 8601 time (default: the clock); without an offset, "
            "Asia/Shanghai.",
        )

    def handle(self, *args, **options) -> None:
        now = _parse_now(options["now"]) if options["now"] else None
        counts = sla_sweep(now=now)
        self.stdout.write(" ".join(f"{name}={value}" for name, value in counts.as_dict().items()))


def _parse_now(raw: str) -> datetime:
    try:
        moment = parse_datetime(raw.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(f"--now: {raw!r} is not an ISO 8601 time, e.g. 2026-11-22T14:00+08:00")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
