"""The relying party's pure parts; the flow itself is tested against the real Keycloak
(tests/integration/test_oidc.py)."""

import pytest

from app.platform.oidc import (
    OidcError,
    VerifiedIdentity,
    _identity,
    _with_query,
    oidc_config,
    pkce_challenge,
    require_verified_email,
)
from app.platform.settings import ConfigError, load_settings

PROVIDER = {
    "OIDC_ISSUER": "https://id.example.com/realms/shop",
    "OIDC_CLIENT_ID": "emporium",
    "OIDC_CLIENT_SECRET": "s3cret-value",
    "OIDC_REDIRECT_URI": "https://shop.example.com/oidc/callback",
}


def test_pkce_challenge_is_rfc_7636_s256():
    # RFC 7636, appendix B
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_no_issuer_means_sign_in_is_off(monkeypatch):
    for name in PROVIDER:
        monkeypatch.delenv(name, raising=False)
    assert oidc_config(load_settings()) is None


def test_a_configured_provider_keeps_its_secret_out_of_repr(monkeypatch):
    for name, value in PROVIDER.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    config = oidc_config(settings)
    assert config is not None
    assert (config.issuer, config.client_id, config.redirect_uri) == (
        PROVIDER["OIDC_ISSUER"],
        "emporium",
        PROVIDER["OIDC_REDIRECT_URI"],
    )
    assert config.client_secret == "s3cret-value"
    assert "s3cret-value" not in repr(config)
    assert "s3cret-value" not in repr(settings)


@pytest.mark.parametrize(
    ("unset", "bad", "needle"),
    [
        ("OIDC_CLIENT_SECRET", {}, "OIDC_CLIENT_SECRET"),
        ("OIDC_REDIRECT_URI", {}, "OIDC_REDIRECT_URI"),
        (None, {"OIDC_ISSUER": "id.example.com"}, "OIDC_ISSUER"),
        (None, {"OIDC_REDIRECT_URI": "javascript:alert(1)"}, "OIDC_REDIRECT_URI"),
    ],
)
def test_a_half_configured_provider_is_one_clear_line(monkeypatch, unset, bad, needle):
    for name, value in {**PROVIDER, **bad}.items():
        monkeypatch.setenv(name, value)
    if unset:
        monkeypatch.delenv(unset)
    with pytest.raises(ConfigError) as err:
        oidc_config(load_settings())
    assert needle in str(err.value)
    assert "s3cret-value" not in str(err.value)


def identity(**claims):
    return _identity({"iss": "https://id.example.com", "sub": "u1", **claims})


def test_only_a_verified_email_can_link_an_account():
    assert require_verified_email(identity(email="a@example.com", email_verified=True)) == (
        "a@example.com"
    )
    # some providers send the flag as a string
    assert identity(email="a@example.com", email_verified="true").email_verified
    for unverified in (
        identity(email="a@example.com", email_verified=False),
        identity(email="a@example.com"),  # no claim: not verified
        identity(email="a@example.com", email_verified="yes"),
        identity(email_verified=True),  # no e-mail at all
    ):
        with pytest.raises(OidcError) as err:
            require_verified_email(unverified)
        assert err.value.code == "OIDC_EMAIL_UNVERIFIED"


def test_identity_ignores_claims_of_the_wrong_type():
    assert identity(email=["a@example.com"], given_name=7, family_name="") == VerifiedIdentity(
        issuer="https://id.example.com",
        subject="u1",
        email=None,
        email_verified=False,
        given_name=None,
        family_name=None,
    )


def test_the_authorization_url_keeps_the_endpoints_own_query():
    url = _with_query("https://id.example.com/auth?tenant=a", {"state": "x y", "scope": "openid"})
    assert url == "https://id.example.com/auth?tenant=a&state=x+y&scope=openid"
