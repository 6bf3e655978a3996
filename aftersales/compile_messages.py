"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib, so no GNU gettext is needed to run."""

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def main() -> None:
    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        print(f"compiled {mo_path.relative_to(LOCALE_DIR.parent)}")


if __name__ == "__main__":
    main()
