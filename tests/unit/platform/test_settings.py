import pytest

from app.platform.settings import ConfigError, load_settings


def test_no_configuration_means_embedded(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert load_settings().embedded


def test_plain_postgres_urls_use_asyncpg(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@h/db")
    s = load_settings()
    assert s.database_url == "postgresql+asyncpg://u:p@h/db"
    assert s.database_url_for("orders") == s.database_url


def test_per_context_override(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@h/main")
    monkeypatch.setenv("DATABASE_URL_ORDERS", "postgresql://u:p@h/orders")
    s = load_settings()
    assert s.database_url_for("orders").endswith("/orders")
    assert s.database_url_for("catalog").endswith("/main")


@pytest.mark.parametrize(
    ("var", "value", "needle"),
    [
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("REDIS_URL", "http://x", "REDIS_URL"),
        ("BROKER_URL", "kafka://x", "BROKER_URL"),
        ("MAX_QUERY_DEPTH", "1", "MAX_QUERY_DEPTH"),
        ("CURRENCY_CODE", "dollars", "CURRENCY_CODE"),
    ],
)
def test_bad_configuration_is_one_clear_line(monkeypatch, var, value, needle):
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as e:
        load_settings()
    msg = str(e.value)
    assert needle in msg and "\n" not in msg


def test_bad_context_override_fails_at_load(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@h/main")
    monkeypatch.setenv("DATABASE_URL_CART", "sqlite://nope")
    with pytest.raises(ConfigError, match="DATABASE_URL_CART"):
        load_settings()
