"""Phone normalisation: Chinese mobiles and landlines (with or without area code) to E.164."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="invalid", params={"value": text}
        ) from None
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.number_type(number) not in ACCEPTED_TYPES
    ):
        raise ValidationError(
            _("“%(value)s” is not a valid mobile or landline number."),
            code="invalid",
            params={"value": text},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
