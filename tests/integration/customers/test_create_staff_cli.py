"""`emporium create-staff`: the first staff member, who then signs in over the API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.platform.settings import Settings
from tests.fixtures.api import ApiClient
from tests.integration.customers.helpers import STAFF_SIGN_IN, as_bearer, unique_email

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def emporium(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=dict(os.environ),  # the `settings` fixture put this run's services there
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_create_staff_then_sign_in(api: ApiClient, settings: Settings):
    email = unique_email("owner")
    r = emporium(
        "create-staff", email, "--permission", "MANAGE_STAFF", "--permission", "MANAGE_PRODUCTS",
        "--password-stdin", stdin="owner password 1\n",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "MANAGE_PRODUCTS, MANAGE_STAFF" in r.stdout
    assert "owner password 1" not in r.stdout + r.stderr

    signed = await api.query(STAFF_SIGN_IN, {"email": email, "password": "owner password 1"})
    token = signed.data["staffAccessTokenCreate"]["staffAccessToken"]["accessToken"]
    me = await as_bearer(api, token, "{ staffMe { permissions } }")
    assert me.data["staffMe"]["permissions"] == ["MANAGE_PRODUCTS", "MANAGE_STAFF"]

    again = emporium("create-staff", email, "--password-stdin", stdin="owner password 1\n")
    assert again.returncode == 2
    assert again.stderr.strip() == "emporium: A staff member with this e-mail already exists"


def test_create_staff_refuses_an_unknown_permission_and_a_short_password():
    r = emporium("create-staff", "a@b.co", "--permission", "MANAGE_EVERYTHING", "--password-stdin")
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = emporium("create-staff", unique_email(), "--password-stdin", stdin="short\n")
    assert r.returncode == 2
    assert r.stderr.strip() == "emporium: The password needs at least 8 characters"
