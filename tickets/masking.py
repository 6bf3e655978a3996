"""Masking of personal data for pages, API and logs: 张*, 138****5678."""

from __future__ import annotations

import phonenumbers


def mask_name(name: str) -> str:
    """Keep the first character (the family name, usually) and star the rest."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str) -> str:
    """Show the national number with all but the first 3 and last 4 digits starred."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, "CN")
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        formatted = phone
    digits = "".join(ch for ch in formatted if ch.isdigit())
    if len(digits) <= 7:
        # Too short to keep a prefix: show only the last four.
        return "*" * max(len(digits) - 4, 4) + digits[-4:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
