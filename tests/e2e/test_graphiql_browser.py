"""GraphiQL in a real browser: it loads from this server alone and runs a query."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.conftest import serve
from tests.fixtures.browser import chromium
from tests.fixtures.catalog_data import load_small_catalog

pytestmark = pytest.mark.e2e

EXECUTE = (By.CSS_SELECTOR, 'button[aria-label^="Execute query"]')
RESULT = (By.CSS_SELECTOR, "section.result-window")


@pytest.fixture(scope="module")
async def loaded(db):
    await load_small_catalog(db)


def test_graphiql_loads_without_a_cdn_and_runs_a_query(services, loaded, tmp_path):
    env = {**services.env(), "LOG_LEVEL": "WARNING"}
    with serve([], env, tmp_path / "serve.log") as server, chromium() as browser:
        browser.get(f"{server.url}/graphql")
        wait = WebDriverWait(browser, 30)
        wait.until(ec.element_to_be_clickable(EXECUTE))
        # every script and stylesheet came from this server
        external = browser.execute_script(
            "return [...document.querySelectorAll('script[src], link[href]')]"
            ".map(e => e.src || e.href).filter(u => !u.startsWith(location.origin)"
            " && !u.startsWith('data:'))"
        )
        assert external == []
        # type into the query editor (CodeMirror) and press the execute button
        browser.execute_script(
            "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
            ".setValue('{ products(first: 2, sortKey: TITLE) { nodes { title vendor } } }')"
        )
        browser.find_element(*EXECUTE).click()
        wait.until(ec.text_to_be_present_in_element(RESULT, "Bright item 002"))
        result = browser.find_element(*RESULT).text
        assert '"vendor": "Initech"' in result and '"errors"' not in result
        browser.save_screenshot(str(tmp_path / "graphiql.png"))
