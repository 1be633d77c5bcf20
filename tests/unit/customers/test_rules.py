"""E-mail normalisation, password bounds, the CountryCode list."""

from __future__ import annotations

import pytest

from app.domains.customers import COUNTRY_CODES, InvalidInput, normalise_email
from app.domains.customers.errors import PasswordTooLong, PasswordTooShort
from app.domains.customers.passwords import check_new, hash_password, verify


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  Ada@Example.COM ", "Ada@example.com"),
        ("a.b+tag@sub.Example.org", "a.b+tag@sub.example.org"),
    ],
)
def test_emails_are_trimmed_with_the_domain_lowercased(raw, normal):
    assert normalise_email(raw) == normal


@pytest.mark.parametrize(
    "bad",
    ["", "plain", "a@b", "a b@c.d", "a@@b.c", "x" * 250 + "@b.co", "a\x00b@c.de", "a@c.d\x07e"],
)
def test_impossible_emails_are_refused(bad):
    with pytest.raises(InvalidInput):
        normalise_email(bad)


def test_password_bounds():
    with pytest.raises(PasswordTooShort):
        check_new("1234567")
    with pytest.raises(PasswordTooLong):
        check_new("x" * 257)
    check_new("12345678")


async def test_passwords_are_argon2id_and_an_unknown_account_never_verifies():
    h = await hash_password("correct horse battery")
    assert h.startswith("$argon2id$")
    assert await verify(h, "correct horse battery")
    assert not await verify(h, "wrong")
    assert not await verify(None, "not anybody's password")  # the dummy's own password


def test_country_codes_are_the_249_assigned_alpha_2_codes():
    assert len(COUNTRY_CODES) == len(set(COUNTRY_CODES)) == 249
    assert {"US", "FR", "JP", "GB", "XK"} & set(COUNTRY_CODES) == {"US", "FR", "JP", "GB"}


def test_the_log_check_finds_a_secret_in_a_line():
    from tests.integration.customers.helpers import leaks

    assert leaks(["emporium INFO token abcdefgh1234 used"], {"abcdefgh1234"})
    assert not leaks(["emporium INFO nothing here"], {"abcdefgh1234"})


async def test_an_unknown_account_costs_a_hash_check_like_a_wrong_password():
    """No enumeration by timing: with no stored hash a dummy one is checked. Measured
    against a real check in the same test (medians of 5), with a wide margin: skipping the
    hash would be ~1000 times faster, not a little."""
    import statistics
    import time

    stored = await hash_password("correct horse battery")
    await verify(None, "warm up the dummy hash")

    async def median(stored_hash: str | None) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            assert not await verify(stored_hash, "wrong password")
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    known, unknown = await median(stored), await median(None)
    assert unknown > known / 3, (known, unknown)
