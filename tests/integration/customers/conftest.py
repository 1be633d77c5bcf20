"""Every customers test runs with its log lines checked for secrets (helpers.SECRETS)."""

import pytest

from tests.integration.customers.helpers import no_secrets_in_logs  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _no_secrets(no_secrets_in_logs):  # noqa: F811
    return no_secrets_in_logs
