import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from intake.importing import ImportReport, row_import, rows_read


class Command(BaseCommand):
    help = "Import historical tickets from FILE.xlsx or FILE.csv; repeated rows are skipped."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            rows = list(rows_read(file))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        now, report, total = timezone.now(), ImportReport(), len(rows)
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                if row_import(row, now=now):
                    report.created += 1
                else:
                    report.duplicates += 1
            except ValidationError as exc:
                reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                report.rejected.append((number, reasons))
            done = number - 1
            if sys.stderr.isatty() or done == total or done % 100 == 0:
                bar = "#" * (30 * done // max(total, 1))
                self.stderr.write(f"\r[{bar:<30}] {done}/{total}", ending="")
        self.stderr.write("")
        for number, reasons in report.rejected:
            self.stdout.write(f"row {number} rejected: {reasons}")
        self.stdout.write(
            f"{report.created} imported, {report.duplicates} already there, "
            f"{len(report.rejected)} rejected."
        )
