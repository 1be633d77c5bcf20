"""GraphiQL's page runs under its Content-Security-Policy in a real browser: it loads, and
the browser reports no violation (nothing of the page is blocked)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.fixtures.browser import chromium
from tests.hostile.harness import hostile_server_fixture  # noqa: F401 (the hostile_server fixture)

pytestmark = pytest.mark.e2e


def test_graphiql_runs_under_its_csp_without_violations(hostile_server):
    with chromium() as browser:
        browser.get(f"{hostile_server.url}/graphql")
        WebDriverWait(browser, 30).until(
            ec.element_to_be_clickable((By.CSS_SELECTOR, 'button[aria-label^="Execute query"]'))
        )
        logs = [e["message"] for e in browser.get_log("browser")]
    assert not [m for m in logs if "Content Security Policy" in m], logs
