"""The root Mutation: one class per area, merged. A new area adds its class to the tuple."""

from __future__ import annotations

from strawberry.tools import merge_types

from app.schema.cart import CartMutation
from app.schema.catalog_mutations import CatalogMutation
from app.schema.checkout import CheckoutMutation
from app.schema.customers import CustomerMutation
from app.schema.inventory import InventoryMutation
from app.schema.orders import OrderMutation
from app.schema.pricing import PricingMutation
from app.schema.staff import StaffMutation

Mutation = merge_types(
    "Mutation",
    (
        CatalogMutation,
        CustomerMutation,
        StaffMutation,
        CartMutation,
        PricingMutation,
        InventoryMutation,
        OrderMutation,
        CheckoutMutation,
    ),
)
