"""GraphiQL in a real browser: it loads from this server alone and runs a query."""

from __future__ import annotations

import json
from urllib.parse import quote

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
        # it opens as Emporium's, with an example operation and its variables ready to run
        assert browser.title == "Emporium GraphiQL"
        editor = browser.execute_script(
            "return document.querySelector('.graphiql-query-editor .CodeMirror')"
            ".CodeMirror.getValue()"
        )
        assert "Welcome to GraphiQL" not in editor
        assert "query Products(" in editor and "Authorization" in editor
        variables = browser.execute_script(
            "return document.querySelector('.graphiql-editor-tool .CodeMirror')"
            ".CodeMirror.getValue()"
        )
        assert '"Material"' in variables and '"first": 5' in variables
        browser.find_element(*EXECUTE).click()
        wait.until(ec.text_to_be_present_in_element(RESULT, "totalCount"))
        result = json.loads(
            browser.execute_script(
                "return document.querySelector('section.result-window .CodeMirror')"
                ".CodeMirror.getValue()"
            )
        )
        assert "errors" not in result, result
        assert result["data"]["products"]["totalCount"] > 0, result

        # a shared link brings its own query (and none of the example's variables); type
        # into the query editor (CodeMirror) and press the execute button
        browser.get(f"{server.url}/graphql?q=" + quote("{ __typename }"))
        wait.until(ec.element_to_be_clickable(EXECUTE))
        browser.execute_script(
            "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
            ".setValue('{ products(first: 2, sortKey: TITLE) { nodes { title vendor } } }')"
        )
        browser.find_element(*EXECUTE).click()
        wait.until(ec.text_to_be_present_in_element(RESULT, "Bright item 002"))
        result = browser.find_element(*RESULT).text
        assert '"vendor": "Initech"' in result and '"errors"' not in result
        browser.save_screenshot(str(tmp_path / "graphiql.png"))
