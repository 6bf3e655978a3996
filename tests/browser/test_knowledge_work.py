"""Self-service on a phone: the website form suggests a public article while the customer
types; the customer opens it and says it is solved; the deflection is counted."""

import importlib
import os
from pathlib import Path
from uuid import uuid4

import pytest
from django.apps import apps
from django.conf import settings
from playwright.sync_api import expect

from knowledge.models import Article, ArticleUse
from knowledge.seed_articles import articles_seed

# The live server reads committed data, so this test commits and is flushed after.
pytestmark = pytest.mark.django_db(transaction=True)

TARGET = "洗衣机脱水时剧烈震动"


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid4().hex}"}
    }


@pytest.fixture
def corpus(db):
    """The flush before this test emptied the synonyms migration 0003 made: seed them again."""
    importlib.import_module("knowledge.migrations.0003_synonym_seed").seed(apps, None)
    articles_seed()


def _shot(page, name: str) -> None:
    directory = Path(
        os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var/artifacts/knowledge"
    )
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / name), full_page=True)


def test_customer_finds_a_public_answer_and_needs_no_ticket(phone_page, live_server, corpus):
    page = phone_page
    page.goto(f"{live_server.url}/service/")
    page.locator("textarea[name=description]").press_sequentially("洗衣机甩干的时候晃得厉害")
    box = page.locator("#kb-suggest")
    expect(box).to_be_visible()
    expect(box.locator("a").first).to_have_text(TARGET)
    assert box.locator("a").count() <= 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "web_form_suggestions.png")

    box.locator("a", has_text=TARGET).click()
    expect(page.locator("h1")).to_have_text(TARGET)
    page.locator(".kb-deflect button[type=submit]").click()
    expect(page.locator(".kb-thanks")).to_be_visible()
    _shot(page, "public_article_solved.png")

    article = Article.objects.get(title=TARGET)
    assert article.deflected_count == 1
    assert ArticleUse.objects.filter(article=article, kind="deflected").count() == 1
