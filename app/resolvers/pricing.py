"""Staff pricing mutations and queries: parse the input (only the fields sent), call the
pricing context in a unit of work, answer its objects or its refusal as `userErrors`.
Who may call them is declared on the fields (`app/schema/pricing.py`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from app.domains import pricing
from app.platform.db import UnitOfWork
from app.platform.ids import from_global_id
from app.platform.pagination import page_request
from app.resolvers.context import Context
from app.resolvers.errors import Problem, user_errors

T = TypeVar("T")
MAX_USER_ERRORS = 1  # a mutation answers the first rule its input breaks


async def attempt(
    ctx: Context, work: Callable[[UnitOfWork], Awaitable[T]], prefix: tuple[str, ...] = ("input",)
) -> tuple[T | None, list[Problem]]:
    """Run a pricing use case: its result, or its expected refusal as userErrors."""
    try:
        return await work(ctx.runtime.db.uow(pricing.CONTEXT)), []
    except Exception as exc:
        return None, user_errors(exc, prefix)[:MAX_USER_ERRORS]


def parse_id(gid: str, type_name: str, field: str = "id") -> int:
    return from_global_id(gid, type_name, field=field)[1]


def discount_changes(sent: Mapping[str, Any]) -> dict[str, Any]:
    """The schema's input (fields sent only, snake_case) → the context's fields: global
    product and category ids to numbers."""
    out = dict(sent)
    for key, type_name, field in (
        ("product_ids", "Product", "productIds"),
        ("category_ids", "Category", "categoryIds"),
    ):
        if key in out:
            out[key] = [parse_id(g, type_name, field) for g in out[key] or ()]
    return out


def method_changes(sent: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(sent)
    if out.get("weight_rates") is not None:
        out["weight_rates"] = [
            {"up_to_grams": r.up_to_grams, "amount": r.amount} for r in out["weight_rates"]
        ]
    return out


async def discount_codes(
    ctx: Context, first: int | None, after: str | None
) -> tuple[list[pricing.DiscountCode], bool, bool]:
    req = page_request("DiscountCode", first, after, None, None)
    after_id = req.after[0] if req.after else None
    if after_id is not None and (not isinstance(after_id, int) or isinstance(after_id, bool)):
        after_id = 0
    codes, more = await pricing.list_discount_codes(
        ctx.runtime.db.reader(pricing.CONTEXT), req.limit, after_id
    )
    return codes, more, after_id is not None


async def count_discount_codes(ctx: Context) -> int:
    return await pricing.count_discount_codes(ctx.runtime.db.reader(pricing.CONTEXT))


async def shipping_zones(ctx: Context) -> list[pricing.ShippingZone]:
    return await pricing.list_shipping_zones(ctx.runtime.db.reader(pricing.CONTEXT))


async def tax_rates(ctx: Context, country: str) -> list[pricing.TaxRate]:
    return await pricing.list_tax_rates(ctx.runtime.db.reader(pricing.CONTEXT), country)
