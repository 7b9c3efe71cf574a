"""The explorer in a real browser: Debian's chromium, driven by Playwright, through Traefik."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import Gateway, gateway_env, running_docs_service, running_gateway
from playwright.sync_api import Browser, Page, Route, sync_playwright
from stubs import DEMO_USER, STUB_TOKEN, StubUpstream, spec_settings

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 30_000  # generous: CI machines are small and busy
CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def offsite_requests() -> list[str]:
    return []


@pytest.fixture
def page(browser: Browser, offsite_requests: list[str]) -> Iterator[Page]:
    """A fresh browser context that may reach loopback only (no CDN, no validator badge)."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)

    def only_loopback(route: Route) -> None:
        if route.request.url.startswith("http://127.0.0.1:"):
            route.continue_()
        else:
            offsite_requests.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    yield context.new_page()
    context.close()


def _open_explorer(page: Page, gateway: Gateway) -> None:
    page.goto(f"{gateway.url}/docs")
    page.wait_for_selector(".opblock")


def _switch_to(page: Page, name: str) -> None:
    page.select_option(".topbar select", label=name)
    page.wait_for_selector(f".info .title:has-text('Timekeeper {name.split()[0].lower()}')")


def test_both_specs_in_one_dropdown_and_operations_render(
    gateway: Gateway, page: Page, offsite_requests: list[str]
) -> None:
    _open_explorer(page, gateway)
    assert page.locator(".topbar select option").all_inner_texts() == ["Users API", "Hours API"]
    assert page.locator("#explorer-status").is_hidden()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/api/users/v1/users", "/api/users/v1/token", "/api/users/v1/users/me"} <= {
        p.strip() for p in paths
    }

    _switch_to(page, "Hours API")
    page.wait_for_selector(".opblock-summary-path[data-path='/api/hours/v1/entries']")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/api/hours/v1/entries", "/api/hours/v1/entries/{entry_id}"} <= {p.strip() for p in paths}
    assert offsite_requests == []


def _log_in(page: Page) -> None:
    """Authorize with the users spec's OAuth2 password flow (the modal may list more schemes)."""
    page.click("button.authorize")
    oauth2 = page.locator(".auth-container:has-text('OAuth2, password')")
    oauth2.locator("#oauth_username").fill(DEMO_USER[0])
    oauth2.locator("#oauth_password").fill(DEMO_USER[1])
    oauth2.locator(".auth-btn-wrapper button.authorize").click()
    oauth2.locator(".auth-btn-wrapper button[aria-label='Remove authorization']").wait_for()  # token issued
    oauth2.locator(".auth-btn-wrapper button.btn-done").click()


def _try_hours_entry_list(page: Page) -> str:
    """Try it out on GET /api/hours/v1/entries; the response body as shown."""
    _switch_to(page, "Hours API")
    operation = page.locator(".opblock:has(.opblock-summary-path[data-path='/api/hours/v1/entries'])").first
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for()
    # The stub answers 200 only with the bearer token that the users spec's login obtained.
    assert status.inner_text().strip().startswith("200"), operation.inner_text()
    return operation.locator(".live-responses-table tr.response .response-col_description").first.inner_text()


def test_one_login_on_the_users_spec_authorizes_try_it_out_on_the_hours_spec(
    gateway: Gateway, page: Page, offsite_requests: list[str]
) -> None:
    _open_explorer(page, gateway)
    _log_in(page)
    assert STUB_TOKEN in _try_hours_entry_list(page)
    # persistAuthorization: still logged in after a reload.
    _open_explorer(page, gateway)
    assert STUB_TOKEN in _try_hours_entry_list(page)
    assert offsite_requests == []


def test_one_login_works_with_the_committed_service_contracts(
    tmp_path: Path, page: Page, offsite_requests: list[str]
) -> None:
    """The same flow on the services' real specs (their scheme names, servers, extra schemes)."""
    users_spec, hours_spec = (
        json.loads((CONTRACTS / f"{name}.openapi.json").read_text()) for name in ("users", "hours")
    )
    with ExitStack() as stack:
        users = StubUpstream("users", users_spec).start()
        stack.callback(users.stop)
        hours = StubUpstream("hours", hours_spec).start()
        stack.callback(hours.stop)
        docs = stack.enter_context(running_docs_service(spec_settings(users.url, hours.url)))
        gateway = stack.enter_context(running_gateway(tmp_path, gateway_env(users.url, hours.url, docs)))
        _open_explorer(page, gateway)
        _log_in(page)
        assert STUB_TOKEN in _try_hours_entry_list(page)
    assert offsite_requests == []


def test_the_page_says_which_spec_is_unavailable(hours_down: Gateway, page: Page) -> None:
    _open_explorer(page, hours_down)  # the users spec still renders its operations
    status = page.locator("#explorer-status")
    status.wait_for(state="visible")
    assert "Hours API (/api/hours/openapi.json) is unavailable: HTTP 503" in status.inner_text()
    assert "Users API" not in status.inner_text()
    assert page.locator(".topbar select option").all_inner_texts() == ["Users API", "Hours API (unavailable)"]
