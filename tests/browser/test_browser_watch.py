"""The watch every browser test runs under (conftest.browser_problems) catches what it must
and lets through what a page does on purpose."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_console_errors_uncaught_exceptions_and_failed_resources_are_recorded(
    page, live_server, browser_problems
):
    page.goto(f"{live_server.url}/login/")
    with page.expect_console_message():
        page.evaluate("console.error('broken widget')")
    with page.context.expect_event("weberror"):
        page.evaluate("setTimeout(() => { throw new Error('boom') }, 0)")
    with page.expect_response("**/missing.js") as missing:
        page.evaluate("fetch('/static/js/missing.js')")
    assert missing.value.status == 404

    recorded = "\n".join(browser_problems)
    assert "console: broken widget" in recorded
    assert "uncaught: " in recorded and "boom" in recorded
    assert "answer 404: GET " in recorded and "missing.js (fetch)" in recorded
    browser_problems.clear()  # seen: the watch itself must not fail this test


def test_a_page_that_answers_404_on_purpose_is_not_a_problem(page, live_server, browser_problems):
    response = page.goto(f"{live_server.url}/s/forged-link/")
    assert response.status == 404
    page.evaluate("console.info('fine')")
    assert list(browser_problems) == []
