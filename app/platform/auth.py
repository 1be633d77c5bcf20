"""Who is asking: the viewer every request carries, and the staff permissions' names.

The customers context turns a token into a Viewer; resolvers only ever read it, through
the permission classes in `app/resolvers/permissions.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The named staff permissions; a staff member holds any set of them.
PERMISSIONS: tuple[str, ...] = (
    "MANAGE_PRODUCTS",
    "MANAGE_INVENTORY",
    "MANAGE_ORDERS",
    "MANAGE_CUSTOMERS",
    "MANAGE_DISCOUNTS",
    "MANAGE_STAFF",
    "MANAGE_SETTINGS",
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in customer or staff member, or nobody."""

    kind: Literal["anonymous", "customer", "staff"] = "anonymous"
    id: int | None = None
    permissions: frozenset[str] = frozenset()

    @property
    def anonymous(self) -> bool:
        return self.kind == "anonymous"

    def can(self, permission: str) -> bool:
        return self.kind == "staff" and permission in self.permissions


ANONYMOUS = Viewer()
