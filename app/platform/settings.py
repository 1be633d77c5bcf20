"""Settings from the environment (and an optional `.env`), validated once at start.

`.env` is read from the working directory; EMPORIUM_ENV_FILE names another file, or,
set empty, turns it off (the tests do, so a developer's `.env` never changes them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Every bounded context owns one Postgres schema of the same name.
CONTEXTS: tuple[str, ...] = (
    "catalog",
    "search",
    "customers",
    "cart",
    "inventory",
    "checkout",
    "payments",
    "orders",
    "notifications",
    "recommendations",
    "pricing",
)


DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class ConfigError(Exception):
    """Bad configuration: reported as one line at start, never as a traceback."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str | None = None
    # a context on its own database (DATABASE_URL_<CONTEXT>): one field per context, so
    # they are read like every other setting, from the environment and from `.env`
    database_url_catalog: str | None = None
    database_url_search: str | None = None
    database_url_customers: str | None = None
    database_url_cart: str | None = None
    database_url_inventory: str | None = None
    database_url_checkout: str | None = None
    database_url_payments: str | None = None
    database_url_orders: str | None = None
    database_url_notifications: str | None = None
    database_url_recommendations: str | None = None
    database_url_pricing: str | None = None
    redis_url: str | None = None
    broker_url: str | None = None
    search_url: str | None = None
    data_dir: Path = Path(".emporium")
    secret_key: str = Field(default=DEFAULT_SECRET_KEY, min_length=8)
    currency_code: str = "USD"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # GraphQL guards
    max_query_depth: int = Field(default=12, ge=2, le=64)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=4000, ge=100)
    max_query_cost: int = Field(default=50_000, ge=100)
    parser_cache_size: int = Field(default=512, ge=0)
    max_query_length: int = Field(default=100_000, ge=1_000)
    max_expanded_fields: int = Field(default=5_000, ge=100)
    max_variable_values: int = Field(default=5_000, ge=100)
    max_variable_depth: int = Field(default=10, ge=3)
    parser_cache_max_query_length: int = Field(default=10_000, ge=0)
    parser_cache_chars: int = Field(default=500_000, ge=0)
    # Read operations run from a cached plan (app/planner) instead of strawberry's executor
    # whenever the planner knows every field they select; off: always the standard executor
    planned_execution: bool = True
    plan_cache_size: int = Field(default=256, ge=0)
    # Connections per database per process. Requests past it wait up to db_pool_timeout
    # for one instead of opening more: an overflow connection is closed when handed back,
    # so under load an overflowing pool opens and closes sessions all the time.
    db_pool_size: int = Field(default=10, ge=1)
    db_pool_overflow: int = Field(default=0, ge=0)
    db_pool_timeout: float = Field(default=10, gt=0)
    embedded_worker_threads: int = Field(default=2, ge=1)
    relay_interval: float = Field(default=0.2, gt=0)
    # while the database or broker is down, the relay's retries back off up to this
    relay_max_backoff: float = Field(default=30, gt=0)
    outbox_retention_days: float = Field(default=7, gt=0)
    queue_prefix: str = ""
    # storefronts call the API from the browser on their own origins; auth is by header
    # token, not cookie, so any origin is safe by default. Comma-separated to restrict.
    cors_allow_origins: str = "*"
    # the HTTP edge (app/http.py, app/platform/http_guards.py): the biggest legitimate
    # request is a document of MAX_TOKENS tokens plus its variables, a few dozen KB;
    # 1 MiB leaves room for generated clients and still bounds a flood. Also caps a
    # WebSocket message.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    body_timeout: float = Field(default=30, gt=0)  # seconds to send a whole body
    header_timeout: float = Field(default=10, gt=0)  # seconds to send a request's headers
    max_connections: int = Field(default=1000, ge=1)  # per server process; beyond it, 503
    seed_demo: bool = False
    # comma-separated modules with `register(broker, routes, settings)`: custom consumers
    extra_worker_modules: str = ""
    public_url: str = ""
    # the image store (originals and resized copies); default: `<DATA_DIR>/images`
    image_dir: Path | None = None
    # sign-in with an external OpenID Connect provider (app/platform/oidc.py); off when
    # OIDC_ISSUER is empty. The redirect URI must be registered with the provider.
    oidc_issuer: str = Field(default="")
    oidc_client_id: str = Field(default="")
    oidc_client_secret: str = Field(default="", repr=False)
    oidc_redirect_uri: str = Field(default="")

    # customers and staff sign-in (app/domains/customers): access tokens are JWTs signed
    # with the first of JWT_KEYS ("kid:secret,kid2:secret2"); every listed key verifies, so
    # a new key goes first and the old one stays listed until its tokens have expired.
    # Unset: one key derived from SECRET_KEY.
    jwt_keys: str = ""
    access_token_ttl: int = Field(default=15 * 60, ge=30, le=24 * 3600)  # seconds
    refresh_token_ttl: int = Field(default=30 * 24 * 3600, ge=60)  # seconds
    reset_token_ttl: int = Field(default=3600, ge=60)  # seconds a password reset link works
    # expired sessions and refresh tokens deleted after each sign-in, at most this many
    session_prune_batch: int = Field(default=200, ge=1, le=10_000)
    # failed sign-ins allowed per account and per client IP in each window, then THROTTLED
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_ip: int = Field(default=50, ge=1)
    login_window: int = Field(default=15 * 60, ge=1)  # seconds
    recover_requests_per_account: int = Field(default=3, ge=1)  # reset e-mails per window

    # carts (app/domains/cart): live in Redis (CART_REDIS_URL, else REDIS_URL) with a
    # sliding TTL, backed by Postgres snapshots
    cart_redis_url: str | None = None
    cart_redis_timeout: float = Field(default=0.5, gt=0)  # seconds before Redis counts as down
    cart_redis_retry: float = Field(default=2.0, gt=0)  # seconds between tries while it is down
    cart_ttl: int = Field(default=7 * 24 * 3600, ge=60)  # seconds; every read or write slides it
    # every write also lands in Postgres at once (nothing lost if Redis loses its data);
    # off: only carts idle for CART_SNAPSHOT_IDLE are copied, by the snapshot worker
    cart_durable_writes: bool = True
    cart_snapshot_idle: float = Field(default=30 * 60, ge=0)  # seconds
    cart_snapshot_interval: float = Field(default=60, gt=0)  # seconds between worker runs
    cart_max_quantity: int = Field(default=100, ge=1, le=1_000_000)  # per line
    cart_max_lines: int = Field(default=100, ge=1, le=500)  # per cart
    # pricing (app/domains/pricing): catalog prices already contain tax (EU style) or not
    prices_include_tax: bool = False
    # payments (app/domains/payments): the built-in `test` gateway needs nothing; `stripe`
    # needs STRIPE_API_KEY. STRIPE_API_BASE points at another API host (stripe-mock).
    payment_gateway: Literal["test", "stripe"] = "test"
    stripe_api_key: str = Field(default="", repr=False)
    stripe_api_base: str = ""
    stripe_timeout: float = Field(default=20, gt=0)  # seconds per Stripe request
    # /webhooks/stripe: the endpoint's signing secret(s), comma-separated while one is
    # rolled; a signature older (or newer) than the tolerance is refused (replays)
    stripe_webhook_secret: str = Field(default="", repr=False)
    stripe_webhook_tolerance: int = Field(default=300, ge=1, le=3600)  # seconds
    # inventory (app/domains/inventory): a variant at or under this many sellable units is
    # announced as low stock (inventory.AvailabilityChanged.v1, change "low_stock")
    inventory_low_stock_threshold: int = Field(default=5, ge=0)
    # seconds between sweeps releasing expired reservations (and re-publishing recent
    # hot counts to Redis); run by `emporium worker` and by `serve` in embedded mode
    inventory_sweep_interval: float = Field(default=1.0, gt=0)

    # checkout (app/domains/checkout, app/workers/checkout.py): how long checkoutComplete
    # waits for a terminal state before answering PROCESSING; how long a saga's step may sit
    # before the sweeper sends it again; how old a saga not yet charged may get before it
    # is given up (EXPIRED); how long its stock reservation holds; seconds between sweeps
    checkout_wait: float = Field(default=2.0, ge=0, le=30)
    checkout_step_timeout: float = Field(default=10.0, gt=0)
    checkout_timeout: float = Field(default=300.0, gt=0)
    checkout_reservation_ttl: float = Field(default=900.0, gt=0)
    checkout_sweep_interval: float = Field(default=2.0, gt=0)

    # orders (app/domains/orders): where `emporium orders archive` writes old months by
    # default (a folder or a file:// URL); `--to` overrides it
    orders_archive_location: str | None = None

    # the front door (app/http.py, app/platform/{ratelimit,apq,response_cache}.py).
    # production: introspection and GraphiQL off, a real SECRET_KEY and CORS origins required
    environment: Literal["development", "production"] = "development"
    # every request spends its query cost from its client's bucket (token subject, else IP),
    # which refills continuously; over it: 429 THROTTLED. The capacity should hold at least
    # one query of MAX_QUERY_COST.
    rate_limit_enabled: bool = True
    rate_limit_capacity: int = Field(default=100_000, ge=1)  # points
    rate_limit_restore_rate: float = Field(default=5_000, gt=0)  # points a second
    # sign-in, sign-up and password reset attempts per client IP (on top of the per-account
    # failure counts of LOGIN_FAILURES_PER_ACCOUNT)
    auth_rate_limit_capacity: int = Field(default=30, ge=1)  # attempts
    auth_rate_limit_restore_rate: float = Field(default=0.5, gt=0)  # attempts a second
    # automatic persisted queries (Apollo's protocol); only the loaded manifest's when set
    persisted_queries_only: bool = False
    persisted_query_ttl: int = Field(default=7 * 24 * 3600, ge=60)  # seconds
    # anonymous catalog reads answered from Redis (+ an LRU per process); 0 turns it off
    response_cache_ttl: int = Field(default=60, ge=0)  # seconds
    response_cache_local_entries: int = Field(default=1000, ge=0)
    # Cache-Control max-age of public persisted GETs (what a CDN may keep)
    public_cache_max_age: int = Field(default=30, ge=0)  # seconds
    # GraphQL subscriptions (app/platform/live.py): active subscriptions one WebSocket may
    # hold (beyond it: TOO_MANY_SUBSCRIPTIONS), and the notices each may have waiting
    # before the oldest is dropped (a subscriber re-reads the latest state anyway)
    max_subscriptions_per_connection: int = Field(default=10, ge=1, le=1000)
    live_queue_size: int = Field(default=16, ge=1, le=10_000)

    @field_validator("database_url", *(f"database_url_{c}" for c in CONTEXTS))
    @classmethod
    def _check_db(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _check_database_url(str(info.field_name).upper(), v)

    @field_validator("redis_url", "cart_redis_url")
    @classmethod
    def _check_redis(cls, v: str | None) -> str | None:
        if v and not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return v or None

    @field_validator("broker_url")
    @classmethod
    def _check_broker(cls, v: str | None) -> str | None:
        if v and not v.startswith(("amqp://", "amqps://", "redis://", "unix://")):
            raise ValueError("must start with amqp://, amqps:// or redis://")
        return v or None

    @field_validator("jwt_keys")
    @classmethod
    def _check_jwt_keys(cls, v: str) -> str:
        for entry in filter(None, (e.strip() for e in v.split(","))):
            kid, _, secret = entry.partition(":")
            if not kid.strip() or len(secret.strip()) < 32:
                raise ValueError('entries are "kid:secret" with a secret of 32+ characters')
        return v

    @field_validator("stripe_api_key")
    @classmethod
    def _check_stripe_key(cls, v: str, info: ValidationInfo) -> str:
        if info.data.get("payment_gateway") == "stripe" and not v:
            raise ValueError("is required when PAYMENT_GATEWAY=stripe")
        return v

    @field_validator("currency_code")
    @classmethod
    def _check_currency(cls, v: str) -> str:
        if len(v) != 3 or not v.isalpha():
            raise ValueError("must be a three-letter ISO 4217 code such as USD")
        return v.upper()

    @property
    def embedded(self) -> bool:
        """No DATABASE_URL means this process brings its own engines."""
        return self.database_url is None

    def database_url_for(self, context: str) -> str:
        """The context's own override (`DATABASE_URL_ORDERS`, …) or the shared URL."""
        if context not in CONTEXTS:
            raise ConfigError(f"unknown context {context!r}")
        url = getattr(self, f"database_url_{context}") or self.database_url
        if url is None:
            raise ConfigError("DATABASE_URL is not set and the embedded runtime is not running")
        return url


def _check_database_url(name: str, v: str | None) -> str | None:
    if not v:
        return None
    if v.startswith("postgres://"):
        v = "postgresql://" + v.removeprefix("postgres://")
    if v.startswith("postgresql://"):
        v = "postgresql+asyncpg://" + v.removeprefix("postgresql://")
    if not v.startswith("postgresql+asyncpg://"):
        raise ValueError(f"{name} must be a postgresql:// URL")
    return v


def env_file() -> str | None:
    """The dotenv file to read: `.env`, EMPORIUM_ENV_FILE's, or none when that is empty."""
    name = os.environ.get("EMPORIUM_ENV_FILE", ".env")
    return name or None


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one readable ConfigError."""
    try:
        settings = Settings(_env_file=env_file(), **overrides)  # type: ignore[arg-type,call-arg]
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]).upper() or "settings"
            parts.append(f"{field}: {err['msg']}")
        raise ConfigError("bad configuration: " + "; ".join(parts)) from None
    if not settings.embedded:
        for context in CONTEXTS:
            settings.database_url_for(context)
    check_production(settings)
    return settings


def check_production(settings: Settings) -> None:
    """What production refuses to start with: a secret everybody knows (tokens could be
    forged) and CORS open to any origin."""
    if settings.environment != "production":
        return
    if settings.secret_key == DEFAULT_SECRET_KEY:
        raise ConfigError("ENVIRONMENT=production needs a SECRET_KEY of your own (not the default)")
    origins = [o.strip() for o in settings.cors_allow_origins.split(",") if o.strip()]
    if "*" in origins:
        raise ConfigError(
            "ENVIRONMENT=production needs CORS_ALLOW_ORIGINS to list the storefronts' origins, not *"
        )
