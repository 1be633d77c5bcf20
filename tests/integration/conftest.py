"""Every integration test starts with empty sign-in throttles: the hostile fuzzers and the
sign-in tests fail sign-ins from 127.0.0.1 by the hundred in this run's Redis, and any test
that signs a customer up (carts, orders, checkout) would otherwise meet THROTTLED."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_throttles(fresh_throttles):
    return fresh_throttles
