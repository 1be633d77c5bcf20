import pytest

from app.platform.settings import CONTEXTS, ConfigError, Settings, load_settings


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


def test_every_context_can_have_its_own_database():
    assert {f"database_url_{c}" for c in CONTEXTS} <= set(Settings.model_fields)


def test_a_local_env_file_does_not_reach_the_tests(monkeypatch, tmp_path):
    # what tests/conftest.py arranges for every test and every server a test starts
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("MAX_QUERY_DEPTH=3\nDATABASE_URL=postgresql://u@h/dotenv\n")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = load_settings()
    assert s.max_query_depth == 12 and s.embedded


def test_env_file_is_read_outside_the_tests(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EMPORIUM_ENV_FILE")
    for name in ("DATABASE_URL", "DATABASE_URL_ORDERS", "MAX_QUERY_DEPTH"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(
        "MAX_QUERY_DEPTH=9\n"
        "DATABASE_URL=postgresql://u:p@h/main\n"
        # a per-context override in .env counts like one in the environment
        "DATABASE_URL_ORDERS=postgresql://u:p@h/orders\n"
    )
    s = load_settings()
    assert s.max_query_depth == 9
    assert s.database_url_for("orders") == "postgresql+asyncpg://u:p@h/orders"
    assert s.database_url_for("catalog") == "postgresql+asyncpg://u:p@h/main"
    # the environment still wins over the file
    monkeypatch.setenv("DATABASE_URL_ORDERS", "postgresql://u:p@h/from-env")
    assert load_settings().database_url_for("orders").endswith("/from-env")


def test_a_bad_override_in_env_file_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMPORIUM_ENV_FILE", str(tmp_path / "custom.env"))
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@h/main")
    monkeypatch.delenv("DATABASE_URL_CART", raising=False)
    (tmp_path / "custom.env").write_text("DATABASE_URL_CART=sqlite://nope\n")
    with pytest.raises(ConfigError, match="DATABASE_URL_CART") as e:
        load_settings()
    assert "\n" not in str(e.value)
