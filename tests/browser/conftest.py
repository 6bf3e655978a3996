"""A real browser: Playwright driving Debian's Chromium (never a downloaded one)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Browser tests need Chromium at {CHROMIUM}: `apt-get install chromium` "
            "(or set CHROMIUM_PATH). .ci/run installs it."
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; our own ORM calls in the
    # tests are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


# Console errors judged elsewhere: Chromium logs every 4xx/5xx answer as "Failed to load
# resource" (judged by BrowserProblems._response, which knows a page from a resource); htmx
# logs a request it aborted itself (hx-sync replacing an answer no longer needed) as
# htmx:sendAbort, after an htmx:afterRequest that also precedes its logged sendError, timeout
# and responseError.
NOT_CONSOLE_FAULTS = ("Failed to load resource", "htmx:sendAbort", "htmx:afterRequest")


class BrowserProblems(list):
    """What went wrong in the pages of one test: console errors, uncaught exceptions, requests
    that failed on the network, and answers the page did not ask to be an error page."""

    def watch(self, context) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda error: self.append(f"uncaught: {error.error}"))
        context.on("requestfailed", self._failed)
        context.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error" and not message.text.startswith(NOT_CONSOLE_FAULTS):
            self.append(f"console: {message.text} ({message.location.get('url')})")

    def _failed(self, request) -> None:
        # An aborted request is one the page itself dropped (a navigation, htmx replacing an
        # answer it no longer needs), not one the server failed.
        if request.failure != "net::ERR_ABORTED":
            self.append(f"failed: {request.method} {request.url}: {request.failure}")

    def _response(self, response) -> None:
        # A page may answer 4xx on purpose (a form's errors, a forged link); a script,
        # stylesheet, image or htmx/fetch call answering 4xx, or anything answering 5xx, is
        # a fault.
        status, kind = response.status, response.request.resource_type
        if status >= 500 or (status >= 400 and kind != "document"):
            self.append(f"answer {status}: {response.request.method} {response.url} ({kind})")


@pytest.fixture(autouse=True)
def browser_problems(browser, monkeypatch):
    """Every browser context a test opens is watched; the test fails on any problem."""
    problems = BrowserProblems()
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        problems.watch(context)
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    yield problems
    assert not problems, "the browser recorded problems:\n" + "\n".join(problems)


@pytest.fixture(autouse=True)
def role_groups(role_groups_after_flush):
    """The flush after each committing test empties the groups that migration 0003 made."""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in(live_server):
    def go(page, username: str, password: str = "pw-Secret-123"):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/tickets/")
        return page

    return go
