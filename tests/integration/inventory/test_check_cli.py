"""`emporium inventory check`: exit 0 while stock equals its ledger, 1 with the bad rows."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from app.domains import inventory
from app.platform.db import Database
from tests.fixtures.services import TestServices
from tests.integration.inventory.conftest import stock

ROOT = Path(__file__).resolve().parents[3]


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "inventory", "check"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


async def test_check_finds_a_row_changed_behind_the_ledger(
    inv: Database, services: TestServices
) -> None:
    await stock(inv, None, v31=5)
    ok = await asyncio.to_thread(_check, services.env())
    assert ok.returncode == 0, ok.stderr
    assert "0 mismatch(es)" in ok.stdout
    async with inv.uow(inventory.CONTEXT) as uow:  # a change that skipped the ledger
        await uow.session.execute(sa.text("UPDATE inventory.stock SET on_hand = 9"))
        await uow.commit()
    bad = await asyncio.to_thread(_check, services.env())
    assert bad.returncode == 1
    assert "variant 31 warehouse" in bad.stderr and "on_hand=9" in bad.stderr
    assert "ledger on_hand=5" in bad.stderr
