"""Security headers and the content security policy on our pages, and no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_a_page_carries_the_security_headers_and_a_strict_csp(client, agent):
    client.force_login(agent)
    response = client.get(reverse("tickets:list"))

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_the_public_website_form_and_login_carry_the_csp_too(client, db):
    for name in ("intake:web_form", "login"):
        response = client.get(reverse(name))
        assert "script-src 'self'" in response["Content-Security-Policy"], name


def test_swagger_ui_alone_may_run_its_inline_script(client, agent):
    client.force_login(agent)
    response = client.get(reverse("swagger-ui"))

    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["frame-ancestors"] == ["'none'"]


def test_no_template_has_an_inline_script_or_event_handler():
    """The CSP refuses them: data for scripts goes in json_script blocks, code in static/js."""
    offenders = []
    inline = re.compile(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>")
    handler = re.compile(r"\son[a-z]+=|\bhx-on|javascript:", re.IGNORECASE)
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if inline.search(text) or handler.search(text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_the_monthly_chart_reads_its_data_from_a_json_block(client, db):
    script = (Path(settings.BASE_DIR) / "static/js/knowledge-monthly.js").read_text()
    template = (TEMPLATES / "knowledge/monthly/_problems.html").read_text()
    assert 'json_script:"monthly-chart-data"' in template
    assert "js/knowledge-monthly.js" in template
    assert 'getElementById("monthly-chart-data")' in script


def test_htmx_is_told_not_to_inject_its_indicator_style(client, db):
    page = client.get(reverse("login")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in page
