"""Checkout resolvers: start (or find) the saga for an idempotency key, send its first
step, wait a moment for it to end; read a checkout for whoever may see it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from app.domains import cart, checkout, orders, payments
from app.resolvers.cart import cart_service, viewer_customer
from app.resolvers.context import Context
from app.resolvers.errors import Problem, user_errors
from app.workers.checkout import send

T = TypeVar("T")
USER_ERRORS = (checkout.CheckoutError, cart.CartError)
PREFIX = "gid://emporium/Checkout/"
# seconds between looks at the saga while the mutation waits: soon at first (most sagas
# end within a few hundred ms), then less often, so many waiting requests stay cheap
POLL_FIRST, POLL_MAX = 0.02, 0.25
MAX_KEY = 200


def encode_id(saga_id: str) -> str:
    return f"{PREFIX}{saga_id}"


def decode_id(gid: str) -> str | None:
    token = gid.removeprefix(PREFIX) if isinstance(gid, str) else ""
    if token == gid or len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        return None
    return token


class CheckoutInvalid(checkout.CheckoutError):
    code = "INVALID"


async def attempt(work: Awaitable[T], prefix: Sequence[str] = ()) -> tuple[T | None, list[Problem]]:
    try:
        return await work, []
    except USER_ERRORS as exc:
        return None, user_errors(exc, prefix)


async def complete(ctx: Context, input: Any) -> checkout.Saga:
    """The checkout for `input.idempotencyKey`: started (its first step sent) when new,
    else the one that key already names; waits up to CHECKOUT_WAIT for its end."""
    runtime = ctx.runtime
    settings = runtime.settings
    key = input.idempotency_key.strip()
    if not 0 < len(key) <= MAX_KEY:
        raise CheckoutInvalid(f"idempotencyKey is 1 to {MAX_KEY} characters", "idempotencyKey")
    if input.payment.gateway != settings.payment_gateway:
        raise CheckoutInvalid(
            f"This store takes payments through the {settings.payment_gateway!r} gateway",
            "payment.gateway",
        )
    if not input.payment.token:
        raise CheckoutInvalid("A payment token is required", "payment.token")
    token = cart.decode_id(input.cart_id, "cartId")
    customer_id = viewer_customer(ctx)
    priced = await cart_service(runtime).get(token, customer_id)
    if priced is None:
        # a retry after the checkout completed finds its cart cleared: the key answers
        saga = await checkout.by_key(runtime.db.reader(checkout.CONTEXT), key)
        if saga is None or (saga.cart_id, saga.customer_id) != (token, customer_id):
            raise cart.CartNotFound("There is no cart with this id", "cartId")
        return await _wait(ctx, saga, settings.checkout_wait)
    if not priced.lines:
        raise CheckoutInvalid("The cart is empty", "cartId")
    email = input.email or priced.cart.buyer.email
    if not email or "@" not in email:
        raise CheckoutInvalid("An e-mail address is required (input or the cart's buyer)", "email")
    address: dict[str, Any] | None = priced.cart.shipping_address
    if input.shipping_address is not None:
        fields = input.shipping_address.fields()
        address = {
            k: (None if v is None else str(getattr(v, "value", v))) for k, v in fields.items()
        }
    currency = priced.cart.currency
    draft = checkout.SagaDraft(
        idempotency_key=key,
        cart_id=token,
        customer_id=customer_id,
        email=email,
        currency=currency,
        amount=payments.to_minor(priced.total, currency),
        gateway=input.payment.gateway,
        token=input.payment.token,
        shipping_address=address,
    )
    saga, created = await checkout.start(runtime.db.uow(checkout.CONTEXT), draft)
    if created:
        await asyncio.to_thread(send, runtime.broker, checkout.VALIDATE, saga.id)
    return await _wait(ctx, saga, settings.checkout_wait)


async def _wait(ctx: Context, saga: checkout.Saga, seconds: float) -> checkout.Saga:
    deadline = time.monotonic() + seconds
    pause = POLL_FIRST
    while not saga.terminal and (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(pause, left))
        pause = min(pause * 1.5, POLL_MAX)
        found = await checkout.get(ctx.runtime.db.reader(checkout.CONTEXT), saga.id)
        assert found is not None, "a saga is never deleted"
        saga = found
    return saga


async def get(ctx: Context, gid: str) -> checkout.Saga | None:
    """The checkout, for its customer (a customer's) or whoever holds its id (a guest's)."""
    saga_id = decode_id(gid)
    if saga_id is None:
        return None
    saga = await checkout.get(ctx.runtime.db.reader(checkout.CONTEXT), saga_id)
    if saga is None or not saga.visible_to(viewer_customer(ctx)):
        return None
    return saga


async def order(ctx: Context, saga: checkout.Saga) -> orders.Order | None:
    if saga.order_id is None:
        return None
    return await orders.get_order(ctx.runtime.db.reader(orders.CONTEXT), saga.order_id)
