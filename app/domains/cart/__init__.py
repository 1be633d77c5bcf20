"""The cart context: carts in Redis with Postgres snapshots behind them, priced on the
server from the catalog's current prices. Other code uses only what this module exports.
"""

from __future__ import annotations

from redis.asyncio import Redis

from app.domains.cart.entities import (
    BuyerIdentity,
    Cart,
    DeliveryOption,
    Line,
    PricedCart,
    PricedLine,
    Quote,
    VariantPrice,
)
from app.domains.cart.errors import (
    CartBusy,
    CartError,
    CartNotFound,
    CurrencyMismatch,
    InvalidCartId,
    InvalidDeliveryOption,
    InvalidQuantity,
    LineNotFound,
    MerchandiseUnavailable,
    TooManyLines,
    UnknownMerchandise,
)
from app.domains.cart.ports import NO_EXTRAS, NO_LIMITS, Availability, Pricer, PriceSource
from app.domains.cart.service import (
    MAX_DISCOUNT_CODES,
    CartService,
    Limits,
    LineInput,
    LineUpdate,
    new_cart_id,
)
from app.domains.cart.store import REDIS_DOWN, CartStore, StoreStatus
from app.platform.db import Database
from app.platform.settings import Settings

CONTEXT = "cart"


def cart_redis(settings: Settings) -> Redis:
    """The carts' own Redis client (CART_REDIS_URL, else REDIS_URL) with short timeouts, so
    an unreachable Redis costs a request a fraction of a second, not the default minutes."""
    url = settings.cart_redis_url or settings.redis_url
    assert url, "REDIS_URL is set in every mode"
    timeout = settings.cart_redis_timeout
    return Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry_on_timeout=False,
    )


def build_store(settings: Settings, db: Database, redis: Redis) -> CartStore:
    return CartStore(
        redis,
        db,
        prefix=settings.queue_prefix,
        ttl=settings.cart_ttl,
        durable=settings.cart_durable_writes,
        retry_after=settings.cart_redis_retry,
    )


def limits(settings: Settings) -> Limits:
    return Limits(max_quantity=settings.cart_max_quantity, max_lines=settings.cart_max_lines)


def encode_id(token: str) -> str:
    return f"gid://emporium/Cart/{token}"


def decode_id(gid: str, field: str = "cartId") -> str:
    """The token inside a cart's global id; InvalidCartId for anything else."""
    token = gid.removeprefix("gid://emporium/Cart/") if isinstance(gid, str) else ""
    if token == gid or len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        raise InvalidCartId("This is not a cart id (gid://emporium/Cart/<token>)", field)
    return token


__all__ = [
    "CONTEXT",
    "MAX_DISCOUNT_CODES",
    "NO_EXTRAS",
    "NO_LIMITS",
    "REDIS_DOWN",
    "Availability",
    "BuyerIdentity",
    "Cart",
    "CartBusy",
    "CartError",
    "CartNotFound",
    "CartService",
    "CartStore",
    "CurrencyMismatch",
    "DeliveryOption",
    "InvalidCartId",
    "InvalidDeliveryOption",
    "InvalidQuantity",
    "Limits",
    "Line",
    "LineInput",
    "LineNotFound",
    "LineUpdate",
    "MerchandiseUnavailable",
    "PriceSource",
    "PricedCart",
    "PricedLine",
    "Pricer",
    "Quote",
    "StoreStatus",
    "TooManyLines",
    "UnknownMerchandise",
    "VariantPrice",
    "build_store",
    "cart_redis",
    "decode_id",
    "encode_id",
    "limits",
    "new_cart_id",
]
