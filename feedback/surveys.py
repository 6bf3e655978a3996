"""The survey link: signed, carrying the survey's id and its random nonce; nothing else.

The token is a bearer credential (whoever holds it may answer), so it is kept out of the
ticket's timeline and out of the logs (`aftersales.log_filters`). Expiry is checked against the
survey's own expires_at, and single use against answered_at, both in the database.
"""

from __future__ import annotations

import hmac
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

from feedback.models import Survey

SALT = "feedback.survey-link"


def survey_nonce() -> str:
    return secrets.token_urlsafe(16)


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def survey_token(survey: Survey) -> str:
    return _signer().sign(f"{survey.pk}.{survey.nonce}")


def survey_link(survey: Survey) -> str:
    """The absolute link the customer is sent (PUBLIC_BASE_URL + /s/<token>/)."""
    return settings.PUBLIC_BASE_URL + reverse("survey", kwargs={"token": survey_token(survey)})


def survey_from_token(token: str) -> Survey | None:
    """The survey a genuine token names, or None for anything forged, tampered or unknown.

    One answer for all of them, so the page cannot be used to probe which ids exist.
    """
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    survey_id, _dot, nonce = value.partition(".")
    if not survey_id.isdigit():
        return None
    survey = Survey.objects.select_related("ticket").filter(pk=int(survey_id)).first()
    if survey is None or not hmac.compare_digest(survey.nonce.encode(), nonce.encode()):
        return None
    return survey
