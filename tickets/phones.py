"""Phone normalisation: Chinese mobiles and landlines (with or without area code) to E.164."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A phone number inside free text, as people write one: a mainland mobile, optionally with +86
# and spaced or dashed (138 1234 5678, 138-1234-5678), or a landline with its area code
# (010-12345678, (0755) 1234567). What it finds is checked by phone_normalise before use.
PHONE_IN_TEXT = re.compile(
    r"(?<![\d+])"
    r"(?:(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}|(?:\(0\d{2,3}\)|0\d{2,3})[\s-]?\d{7,8})"
    r"(?!\d)"
)

ACCEPTED_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.UAN,
}


def phone_normalise(raw: str) -> str:
    """Return the E.164 form of a CN (or explicit +country) number; raise ValidationError."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a phone number."), code="required")
    e164 = _e164(text)
    if e164 is None:
        raise ValidationError(
            _("“%(value)s” is not a valid mobile or landline number."),
            code="invalid",
            params={"value": text},
        )
    if not e164:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="invalid", params={"value": text}
        )
    return e164


@lru_cache(maxsize=4096)
def _e164(text: str) -> str | None:
    """The E.164 form, None for a number of no accepted type, "" for no number at all.

    Kept per process: parsing is ~0.1 ms, a request may ask twice (its form, then the
    service), and the same customers call again."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.number_type(number) not in ACCEPTED_TYPES
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
