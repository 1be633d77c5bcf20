"""Staff inventory: warehouses, stock levels per warehouse, adjustments and counts.

Every field needs a staff member holding MANAGE_INVENTORY. Shoppers see availability on
ProductVariant and Product (`app/schema/catalog.py`).
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from app.domains import inventory
from app.platform.ids import to_global_id
from app.resolvers import inventory as resolve
from app.resolvers.context import Context
from app.resolvers.permissions import staff
from app.schema.catalog import First
from app.schema.common import Edge, PageInfo, UserError, keyset_edges

MANAGE_INVENTORY = "MANAGE_INVENTORY"
MAX_USER_ERRORS = 1


@strawberry.type(description="A place stock is kept and shipped from.")
class Warehouse:
    id: strawberry.ID
    code: str
    name: str
    countries: list[str] = strawberry.field(
        description="ISO country codes it ships to; empty: everywhere."
    )
    priority: int = strawberry.field(
        description="Lower ships first among the warehouses serving a country."
    )

    @classmethod
    def from_domain(cls, w: inventory.Warehouse) -> Warehouse:
        return cls(
            id=strawberry.ID(to_global_id("Warehouse", w.id)),
            code=w.code,
            name=w.name,
            countries=list(w.countries),
            priority=w.priority,
        )


@strawberry.type(description="One variant's stock in one warehouse.")
class InventoryLevel:
    _l: strawberry.Private[inventory.StockLevel]
    variant_id: strawberry.ID
    on_hand: int = strawberry.field(description="Units in the warehouse.")
    reserved: int = strawberry.field(description="Units held for checkouts in progress.")
    available: int = strawberry.field(description="on hand less reserved.")
    updated_at: datetime

    @classmethod
    def from_domain(cls, lv: inventory.StockLevel) -> InventoryLevel:
        return cls(
            _l=lv,
            variant_id=strawberry.ID(to_global_id("ProductVariant", lv.variant_id)),
            on_hand=lv.on_hand,
            reserved=lv.reserved,
            available=lv.available,
            updated_at=lv.updated_at,
        )

    @strawberry.field
    async def warehouse(self, info: Info[Context, None]) -> Warehouse | None:
        w = await resolve.warehouse_by_id(info.context, self._l.warehouse_id)
        return Warehouse.from_domain(w) if w is not None else None


@strawberry.type
class InventoryLevelConnection:
    _filters: strawberry.Private[tuple[str | None, str | None]]
    edges: list[Edge[InventoryLevel]]
    nodes: list[InventoryLevel]
    page_info: PageInfo

    @strawberry.field(description="How many stock levels match, over all pages.")
    async def total_count(self, info: Info[Context, None]) -> int:
        return await resolve.count_stock_levels(info.context, *self._filters)


@strawberry.input
class InventoryAdjustInput:
    variant_id: strawberry.ID
    delta: int = strawberry.field(description="Units to add; negative to remove.")
    reason: str = strawberry.field(description="Why (recorded in the movement ledger).")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the first warehouse."
    )


@strawberry.input
class InventorySetInput:
    variant_id: strawberry.ID
    quantity: int = strawberry.field(description="The counted on-hand figure.")
    reason: str = strawberry.field(description="Why (recorded in the movement ledger).")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the first warehouse."
    )


@strawberry.type
class InventoryAdjustPayload:
    inventory_level: InventoryLevel | None
    user_errors: list[UserError]


@strawberry.type
class InventorySetPayload:
    inventory_level: InventoryLevel | None
    user_errors: list[UserError]


def _errors(out: resolve.Outcome) -> list[UserError]:
    return [
        UserError(field=list(p.field) if p.field else None, message=p.message, code=p.code)
        for p in out.errors
    ]


def _level(out: resolve.Outcome) -> InventoryLevel | None:
    return InventoryLevel.from_domain(out.level) if out.level is not None else None


@strawberry.type
class InventoryQuery:
    @strawberry.field(
        description="Stock per variant and warehouse, by variant then warehouse (needs "
        "MANAGE_INVENTORY).",
        extensions=staff(MANAGE_INVENTORY),
    )
    async def inventory_levels(
        self,
        info: Info[Context, None],
        first: First = None,
        after: str | None = None,
        variant_id: strawberry.ID | None = None,
        warehouse_id: strawberry.ID | None = None,
    ) -> InventoryLevelConnection:
        page, _ = await resolve.stock_levels(info.context, first, after, variant_id, warehouse_id)
        edges, page_info = keyset_edges(
            "inventoryLevels",
            [InventoryLevel.from_domain(lv) for lv in page.items],
            page.keys,
            page.has_next_page,
            page.has_previous_page,
        )
        return InventoryLevelConnection(
            _filters=(variant_id, warehouse_id),
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=page_info,
        )

    @strawberry.field(
        description="Every warehouse, first to ship first (needs MANAGE_INVENTORY).",
        extensions=staff(MANAGE_INVENTORY),
    )
    async def warehouses(self, info: Info[Context, None]) -> list[Warehouse]:
        return [Warehouse.from_domain(w) for w in await resolve.warehouses(info.context)]


@strawberry.type
class InventoryMutation:
    @strawberry.mutation(
        description="Add to (or take from) a variant's stock in a warehouse, with the reason "
        "recorded; on hand never drops below what checkouts hold. Needs MANAGE_INVENTORY.",
        extensions=staff(MANAGE_INVENTORY),
    )
    async def inventory_adjust(
        self, info: Info[Context, None], input: InventoryAdjustInput
    ) -> InventoryAdjustPayload:
        out = await resolve.change_stock(
            info.context, input.variant_id, input.warehouse_id, input.reason, delta=input.delta
        )
        return InventoryAdjustPayload(inventory_level=_level(out), user_errors=_errors(out))

    @strawberry.mutation(
        description="Set a variant's on-hand figure in a warehouse to a count; the ledger "
        "records the difference. Needs MANAGE_INVENTORY.",
        extensions=staff(MANAGE_INVENTORY),
    )
    async def inventory_set(
        self, info: Info[Context, None], input: InventorySetInput
    ) -> InventorySetPayload:
        out = await resolve.change_stock(
            info.context,
            input.variant_id,
            input.warehouse_id,
            input.reason,
            quantity=input.quantity,
        )
        return InventorySetPayload(inventory_level=_level(out), user_errors=_errors(out))


LIST_BOUNDS: dict[str, int] = {
    "Query.warehouses": resolve.MAX_WAREHOUSES,
    "Warehouse.countries": 250,  # ISO 3166-1 has 249 codes
    "InventoryAdjustPayload.userErrors": MAX_USER_ERRORS,
    "InventorySetPayload.userErrors": MAX_USER_ERRORS,
}
