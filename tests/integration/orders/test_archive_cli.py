"""`emporium orders archive`: old months leave Postgres for gzip files, and their orders
are still found through the API (by id for staff, by number for the guest)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.domains import orders
from app.platform.ids import to_global_id
from tests.fixtures.api import ApiClient
from tests.fixtures.throttles import clear_throttles
from tests.integration.customers.helpers import as_bearer, staff_account
from tests.integration.orders.helpers import draft

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def emporium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=dict(os.environ),  # the `settings` fixture put this run's services there
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_archive_command_then_read_the_order_through_the_api(
    api: ApiClient, settings, tmp_path
):
    assert api.db is not None
    await clear_throttles(settings)
    uow = api.db.uow(orders.CONTEXT)
    old = await orders.place_order(
        uow, draft(email="g@example.com"), now=datetime(2003, 1, 5, tzinfo=UTC)
    )
    kept = await orders.place_order(uow, draft(), now=datetime(2003, 2, 1, tzinfo=UTC))

    bad = emporium("orders", "archive", "--before", "January", "--to", str(tmp_path))
    assert bad.returncode == 2 and "not a date" in bad.stderr
    r = emporium("orders", "archive", "--before", "2003-02-14", "--to", tmp_path.as_uri())
    assert r.returncode == 0, r.stderr
    assert f"archived 2003-01: 1 orders to {tmp_path / 'orders-2003-01.jsonl.gz'}" in r.stdout
    assert "2003-02" not in r.stdout

    q = """query($n: String!, $e: String!, $t: String!) {
      orderByNumber(number: $n, email: $e, token: $t) { id number archived total { amount } } }"""
    assert old.lookup_token
    found = await api.query(
        q, {"n": str(old.order.number), "e": "g@example.com", "t": old.lookup_token}
    )
    assert found.data["orderByNumber"] == {
        "id": to_global_id("Order", old.order.id),
        "number": f"#{old.order.number}",
        "archived": True,
        "total": {"amount": "65.50"},
    }
    staff = await staff_account(api, api.db, ["MANAGE_ORDERS"])
    by_id = await as_bearer(
        api, staff.access_token, "query($id: ID!) { order(id: $id) { archived status } }",
        {"id": to_global_id("Order", old.order.id)},
    )  # fmt: skip
    assert by_id.data["order"] == {"archived": True, "status": "PAID"}
    live = await orders.get_order(api.db.reader(orders.CONTEXT), kept.order.id)
    assert live is not None and not live.archived
