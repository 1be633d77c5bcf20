"""Inventory resolvers: shoppers' availability (batched, Redis first) and staff stock tools.

Staff mutations parse the ids, check that the variant exists through the catalog's public
service, call the inventory's use case and answer its refusal as `userErrors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.domains import catalog, inventory
from app.platform.ids import from_global_id
from app.platform.pagination import Page, page_request
from app.resolvers.context import Context
from app.resolvers.errors import Problem, user_errors
from app.resolvers.loaders import InventoryLoaders

MAX_WAREHOUSES = 100


def loaders(ctx: Context) -> InventoryLoaders:
    """This request's inventory loaders (made on first use, dropped after a stock change)."""
    found = ctx.extra.get("inventory")
    if found is None:
        found = ctx.extra["inventory"] = InventoryLoaders(ctx.runtime.db, ctx.runtime.redis)
    return found  # type: ignore[no-any-return]


async def variant_available(ctx: Context, variant_id: int) -> int:
    return await loaders(ctx).available.load(variant_id)  # type: ignore[no-any-return]


async def product_available(ctx: Context, product_id: int) -> bool:
    """A product is for sale while any of its variants has a unit to sell."""
    variants: list[catalog.Variant] = await ctx.catalog.variants.load(product_id)
    counts = await loaders(ctx).available.load_many([v.id for v in variants])
    return any(c > 0 for c in counts)


@dataclass(frozen=True)
class Outcome:
    level: inventory.StockLevel | None = None
    errors: list[Problem] = field(default_factory=list)


def _actor(ctx: Context) -> str:
    return f"staff:{ctx.viewer.id}"


async def _variant_id(ctx: Context, gid: str) -> int:
    vid = from_global_id(gid, "ProductVariant", field="variantId")[1]
    async with ctx.runtime.db.reader(catalog.CONTEXT) as uow:
        found = await catalog.existing_variant_ids(uow, [vid])  # drafts are stocked too
    if vid not in found:
        raise inventory.NotFound("no such variant", "variantId")
    return vid


def _warehouse_id(gid: str | None) -> int | None:
    if gid is None:
        return None
    return from_global_id(gid, "Warehouse", field="warehouseId")[1]


async def change_stock(
    ctx: Context,
    variant_gid: str,
    warehouse_gid: str | None,
    reason: str,
    *,
    delta: int | None = None,
    quantity: int | None = None,
) -> Outcome:
    """inventoryAdjust (delta) and inventorySet (quantity), one path for both."""
    settings = ctx.runtime.settings
    try:
        vid = await _variant_id(ctx, variant_gid)
        wid = _warehouse_id(warehouse_gid)
        async with ctx.runtime.db.uow(inventory.CONTEXT) as uow:
            common = {
                "actor": _actor(ctx),
                "warehouse_id": wid,
                "redis": ctx.runtime.redis,
                "low_stock": settings.inventory_low_stock_threshold,
            }
            if delta is not None:
                level = await inventory.adjust(uow, vid, delta, reason, **common)  # type: ignore[arg-type]
            else:
                assert quantity is not None
                level = await inventory.set_on_hand(uow, vid, quantity, reason, **common)  # type: ignore[arg-type]
    except Exception as exc:
        return Outcome(errors=user_errors(exc, ("input",))[:1])
    ctx.extra.pop("inventory", None)  # later reads in this request see the change
    return Outcome(level)


async def stock_levels(
    ctx: Context,
    first: int | None,
    after: str | None,
    variant_gid: str | None,
    warehouse_gid: str | None,
) -> tuple[Page[inventory.StockLevel], bool]:
    req = page_request("inventoryLevels", first, after, None, None)
    vid = (
        from_global_id(variant_gid, "ProductVariant", field="variantId")[1] if variant_gid else None
    )
    wid = _warehouse_id(warehouse_gid)
    after_key = None
    if req.after is not None:
        if len(req.after) != 2 or not all(isinstance(k, int) for k in req.after):
            from app.platform.pagination import PaginationError

            raise PaginationError("INVALID_CURSOR", "after", "`after` is not a valid cursor")
        after_key = (int(req.after[0]), int(req.after[1]))  # type: ignore[call-overload]
    async with ctx.runtime.db.reader(inventory.CONTEXT) as uow:
        rows = await inventory.stock_levels(
            uow,
            variant_ids=[vid] if vid is not None else None,
            warehouse_id=wid,
            after=after_key,
            limit=req.limit + 1,
        )
    items = rows[: req.limit]
    page = Page(
        items=items,
        keys=[(r.variant_id, r.warehouse_id) for r in items],
        has_next_page=len(rows) > req.limit,
        has_previous_page=after_key is not None,
    )
    return page, after_key is not None


async def count_stock_levels(
    ctx: Context, variant_gid: str | None, warehouse_gid: str | None
) -> int:
    vid = (
        from_global_id(variant_gid, "ProductVariant", field="variantId")[1] if variant_gid else None
    )
    async with ctx.runtime.db.reader(inventory.CONTEXT) as uow:
        return await inventory.count_stock_levels(
            uow,
            variant_ids=[vid] if vid is not None else None,
            warehouse_id=_warehouse_id(warehouse_gid),
        )


async def warehouses(ctx: Context) -> Sequence[inventory.Warehouse]:
    async with ctx.runtime.db.reader(inventory.CONTEXT) as uow:
        return (await inventory.warehouses(uow))[:MAX_WAREHOUSES]


async def warehouse_by_id(ctx: Context, warehouse_id: int) -> inventory.Warehouse | None:
    return await loaders(ctx).warehouse.load(warehouse_id)  # type: ignore[no-any-return]
