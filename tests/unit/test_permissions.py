"""Permission classes on the field: who may, and the codes the others get."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import strawberry

from app.platform.auth import ANONYMOUS, Viewer
from app.resolvers.errors import format_error
from app.resolvers.permissions import HasPermission, customer, staff


@strawberry.type
class Query:
    @strawberry.field(extensions=staff("MANAGE_PRODUCTS"))
    def secret(self) -> str:
        return "ok"

    @strawberry.field(extensions=customer())
    def mine(self) -> str:
        return "mine"


schema = strawberry.Schema(query=Query)


async def run(query: str, viewer: Viewer) -> tuple[object, list[str]]:
    r = await schema.execute(query, context_value=SimpleNamespace(viewer=viewer))
    return r.data, [format_error(e, "rid")["extensions"]["code"] for e in r.errors or ()]


@pytest.mark.parametrize(
    ("viewer", "data", "codes"),
    [
        (ANONYMOUS, None, ["UNAUTHENTICATED"]),
        (Viewer("customer", 1), None, ["FORBIDDEN"]),
        (Viewer("staff", 2, frozenset({"MANAGE_ORDERS"})), None, ["FORBIDDEN"]),
        (Viewer("staff", 3, frozenset({"MANAGE_PRODUCTS"})), {"secret": "ok"}, []),
    ],
)
async def test_staff_fields_need_the_named_permission(viewer, data, codes):
    assert await run("{ secret }", viewer) == (data, codes)


@pytest.mark.parametrize(
    ("viewer", "allowed"),
    [(ANONYMOUS, False), (Viewer("customer", 1), True), (Viewer("staff", 3), False)],
)
async def test_customer_fields_need_a_signed_in_customer(viewer, allowed):
    data, codes = await run("{ mine }", viewer)
    assert (data, codes) == (({"mine": "mine"}, []) if allowed else (None, ["UNAUTHENTICATED"]))


def test_an_unknown_permission_is_a_programming_error():
    with pytest.raises(ValueError):
        HasPermission("MANAGE_EVERYTHING")
