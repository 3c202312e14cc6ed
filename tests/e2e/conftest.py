"""Browser fixtures: the session's app served on a free port, and Debian's Chromium.

`live_server` serves the one `app` of the test session (never a second app) from a
background thread. Pages in the browser run in other threads than the test, so the data
they see must be committed: tests take `live`, which is the base URL plus `committed`
(every table is emptied after the test).

The browser is Debian's Chromium driven by Playwright's sync API (`playwright install`
cannot download a browser here). Without /usr/bin/chromium the tests are skipped, unless
TIMEBANK_E2E_REQUIRED=1, when they fail.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = "Pixel 5"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
_OUTCOME = pytest.StashKey[bool]()
#: The live server is werkzeug's development server in a thread: when the browser drops a
#: connection while a static file is on its way (a favicon as the page navigates), the
#: server thread lets go of the file without closing it, and the garbage collector's
#: ResourceWarning lands in whichever test runs then. It is the test server's handle, not
#: the app's (gunicorn closes `wsgi.file_wrapper`), so only that warning is let through.
STATIC_FILE_LEFT_OPEN = (
    r"ignore:Exception ignored in. <_io.FileIO name='[^']*/timebank/static/"
    r":pytest.PytestUnraisableExceptionWarning"
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark every test in this folder `e2e` (before `-m` selects), so none runs in make test,
    and let the dev server's static-file warning through (STATIC_FILE_LEFT_OPEN)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.filterwarnings(STATIC_FILE_LEFT_OPEN))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember whether the test body failed, for the failure screenshots."""
    report = yield
    if report.when == "call":
        item.stash[_OUTCOME] = report.failed
    return report


def _test_name(node) -> str:
    return re.sub(r"[^\w.-]+", "-", node.name).strip("-")


@pytest.fixture(scope="session")
def live_server(app):
    """The session app on 127.0.0.1 and a free port, in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def live(live_server, committed):
    """The base URL, for a test whose data is committed and emptied afterwards."""
    return live_server


@pytest.fixture(scope="session")
def pw():
    """Playwright's sync API, once per session; skips (or fails) without Chromium."""
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)"
        if os.environ.get("TIMEBANK_E2E_REQUIRED") == "1":
            pytest.fail(reason + " and TIMEBANK_E2E_REQUIRED=1")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(pw):
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def phone(request, pw, browser):
    """phone() opens a new browser context shaped like a Pixel 5, in Chinese.

    Every page of it is watched: a page error, or an answer of 500 or more, fails the
    test when it ends.
    """
    contexts, problems = [], []

    def _server_error(response):
        if response.status >= 500:
            problems.append(f"{response.status} {response.request.method} {response.url}")

    def _console(message):
        # The Content-Security-Policy forbids inline scripts and styles: any violation
        # means a page would break in production.
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP violation: {message.text}")

    def _watch(page):
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("response", _server_error)
        page.on("console", _console)

    def _open(locale="zh-CN"):
        context = browser.new_context(**pw.devices[PHONE], locale=locale)
        context.set_default_timeout(10_000)
        context.on("page", _watch)
        contexts.append(context)
        return context

    yield _open
    failed = request.node.stash.get(_OUTCOME, False)
    for c, context in enumerate(contexts, 1):
        for p, page in enumerate(context.pages, 1):
            if failed:  # what each phone showed when the test failed
                SCREENSHOTS.mkdir(exist_ok=True)
                name = f"{_test_name(request.node)}-failed-phone{c}-page{p}.png"
                page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        context.close()
    assert not problems, problems


@pytest.fixture
def shot(request):
    """shot(page, step) saves a full-page screenshot as <test>-<nn>-<step>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    test = _test_name(request.node)
    counter = iter(range(1, 100))

    def _shot(page, step):
        # From the top, or the sticky navbar is drawn where the page was last scrolled to.
        page.evaluate("window.scrollTo(0, 0)")
        path = SCREENSHOTS / f"{test}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
