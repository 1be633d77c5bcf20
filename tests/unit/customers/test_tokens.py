"""Access tokens: expiry, tampering, unknown `kid`, key rotation; the key-set setting."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from app.domains.customers import KeySet, TokenInvalid
from app.domains.customers.tokens import parse_keys
from app.platform.settings import ConfigError, load_settings

OLD = ("old", b"o" * 32)
NEW = ("new", b"n" * 32)


def test_a_token_verifies_and_says_who_and_which_session():
    token, expires = KeySet((OLD,)).issue("customer", 7, "sid-1")
    claims = KeySet((OLD,)).verify(token)
    assert (claims.kind, claims.subject_id, claims.session_id) == ("customer", 7, "sid-1")
    assert claims.expires_at == expires


def test_access_tokens_live_fifteen_minutes_by_default():
    now = datetime.now(UTC).replace(microsecond=0)
    _, expires = KeySet((OLD,)).issue("staff", 1, "s", now=now)
    assert expires - now == timedelta(minutes=15)


def test_an_expired_token_is_refused_but_still_identifies_its_session_for_sign_out():
    keys = KeySet((OLD,))
    token, _ = keys.issue("customer", 1, "s", now=datetime.now(UTC) - timedelta(minutes=16))
    with pytest.raises(TokenInvalid):
        keys.verify(token)
    assert keys.verify(token, allow_expired=True).session_id == "s"


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_tampered_payload_or_signature_is_refused():
    keys = KeySet((OLD,))
    token, _ = keys.issue("customer", 1, "s")
    head, body, sig = _segments(token)
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["typ"], claims["sub"] = "staff", "2"
    for forged in (f"{head}.{_b64(claims)}.{sig}", f"{head}.{body}.{sig[:-2]}AA", token[:-1]):
        with pytest.raises(TokenInvalid):
            keys.verify(forged)


def test_the_none_algorithm_and_a_foreign_key_are_refused():
    keys = KeySet((OLD,))
    token, _ = keys.issue("customer", 1, "s")
    _, body, _ = _segments(token)
    with pytest.raises(TokenInvalid):
        keys.verify(f"{_b64({'alg': 'none', 'kid': 'old'})}.{body}.")
    foreign, _ = KeySet((("old", b"x" * 32),)).issue("customer", 1, "s")  # same kid, other key
    with pytest.raises(TokenInvalid):
        keys.verify(foreign)


def test_an_unknown_or_missing_kid_is_refused():
    token, _ = KeySet((NEW,)).issue("customer", 1, "s")
    with pytest.raises(TokenInvalid):
        KeySet((OLD,)).verify(token)
    _, body, sig = _segments(token)
    with pytest.raises(TokenInvalid):
        KeySet((NEW,)).verify(f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{body}.{sig}")


def test_rotation_signs_with_the_new_key_and_still_accepts_the_old_while_listed():
    before = KeySet((OLD,))
    old_token, _ = before.issue("customer", 1, "s")
    rotated = KeySet((NEW, OLD))
    new_token, _ = rotated.issue("customer", 1, "s")
    header = json.loads(base64.urlsafe_b64decode(_segments(new_token)[0] + "=="))
    assert header["kid"] == "new" and header["alg"] == "HS256"
    assert rotated.verify(old_token).subject_id == 1
    assert rotated.verify(new_token).subject_id == 1
    with pytest.raises(TokenInvalid):  # the old key retired: its tokens end
        KeySet((NEW,)).verify(old_token)


def test_the_key_setting_is_parsed_in_order_and_defaults_to_a_key_from_secret_key():
    assert parse_keys("a:" + "1" * 32 + ", b:" + "2" * 32, "s") == (
        ("a", b"1" * 32),
        ("b", b"2" * 32),
    )
    derived = parse_keys("", "secret-one")
    assert len(derived) == 1 and derived[0][0].startswith("k")
    assert parse_keys("", "secret-two")[0][0] != derived[0][0]  # a new SECRET_KEY rotates


def test_a_short_or_malformed_key_is_a_configuration_error():
    for bad in ("nokid", "k:short", ":" + "x" * 40):
        with pytest.raises(ConfigError, match="JWT_KEYS"):
            load_settings(jwt_keys=bad)


def test_the_key_set_never_shows_its_secrets():
    assert "nnnn" not in repr(KeySet((NEW,)))
