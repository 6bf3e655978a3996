import re
from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_interface_string_has_a_simplified_chinese_translation():
    po = polib.pofile(str(PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert len(po.translated_entries()) > 100


def test_every_translation_keeps_the_placeholders_of_its_english():
    """A translation missing %(n)s or naming another makes Django show the English instead."""
    named = re.compile(r"%\((\w+)\)[sd]")
    wrong = []
    for entry in polib.pofile(str(PO)):
        expected = set(named.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        wrong += [
            (entry.msgid, text) for text in translations if set(named.findall(text)) != expected
        ]
    assert wrong == []
