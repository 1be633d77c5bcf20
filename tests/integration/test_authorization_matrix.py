"""The authorisation matrix: every Query, Mutation and Subscription field of the schema, run
as anonymous, customer A, customer B, staff without the field's permission and staff with it
(a subscription's first answer, from the schema with the viewer its connection_init gives).

The fields come from the schema, and each one's rule from its permission extension (or
`PUBLIC_FIELDS`): a new field with no declared rule fails `test_every_root_field_declares_a_rule`.
Arguments are generated from the field's types (required ones only, values that name no real
object), so a new field is exercised without anyone writing a query for it. Customer fields
that touch stored data also need an ownership case (B against A's objects) in OWNERSHIP.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    is_composite_type,
)
from strawberry.permission import PermissionExtension

from app.domains import checkout, orders
from app.http import resolve_viewer
from app.platform.auth import PERMISSIONS
from app.platform.ids import from_global_id, to_global_id
from app.platform.settings import Settings
from app.resolvers.checkout import encode_id as encode_checkout_id
from app.resolvers.context import Context
from app.resolvers.errors import format_result
from app.resolvers.permissions import HasPermission, IsCustomer
from app.schema import build_schema
from app.schema.access import PUBLIC_FIELDS
from app.schema.staff import IsStaff
from tests.fixtures.api import ApiClient, GraphQLResponse
from tests.fixtures.throttles import clear_throttles
from tests.integration.cart.conftest import Products
from tests.integration.customers.helpers import (
    Account,
    as_bearer,
    client_with_ip,
    no_secrets_in_logs,  # noqa: F401 (fixture)
    sign_up,
    staff_account,
)
from tests.integration.orders.helpers import draft

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_secrets_in_logs")]

SCHEMA = build_schema()
VIEWERS = ("anonymous", "customer A", "customer B", "staff without", "staff with")


@dataclass(frozen=True)
class Rule:
    kind: str  # public | customer | staff | permission
    permission: str | None = None

    def allows(self, viewer: str) -> bool:
        if self.kind == "public":
            return True
        if self.kind == "customer":
            return viewer.startswith("customer")
        if self.kind == "staff":
            return viewer.startswith("staff")
        return viewer == "staff with"

    def denial(self, viewer: str) -> str:
        """The code a refused viewer gets: nobody signed in (or the wrong kind of account
        for a customer or staff field) is UNAUTHENTICATED; the wrong permission FORBIDDEN."""
        if self.kind == "permission" and viewer != "anonymous":
            return "FORBIDDEN"
        return "UNAUTHENTICATED"


def root_fields() -> Iterator[tuple[str, str, object]]:
    for root in ("Query", "Mutation", "Subscription"):
        definition = SCHEMA.get_type_by_name(root)
        assert definition is not None
        for f in definition.fields:  # type: ignore[union-attr]
            yield root, SCHEMA.config.name_converter.get_graphql_name(f), f


def rule_of(root: str, name: str, field: object) -> Rule | None:
    perms = [
        p
        for ext in getattr(field, "extensions", ())
        if isinstance(ext, PermissionExtension)
        for p in ext.permissions
    ]
    declared = f"{root}.{name}" in PUBLIC_FIELDS
    if not perms:
        return Rule("public") if declared else None
    assert not declared, f"{root}.{name} is guarded and also listed as public"
    assert len(perms) == 1, f"{root}.{name}: one permission class per field"
    p = perms[0]
    if isinstance(p, HasPermission):
        return Rule("permission", p.permission)
    if isinstance(p, IsCustomer):
        return Rule("customer")
    if isinstance(p, IsStaff):
        return Rule("staff")
    return None


FIELDS = sorted((root, name, rule_of(root, name, f)) for root, name, f in root_fields())


def test_every_root_field_declares_a_rule():
    missing = [f"{root}.{name}" for root, name, rule in FIELDS if rule is None]
    assert missing == [], f"no permission class and not in PUBLIC_FIELDS: {missing}"
    stale = set(PUBLIC_FIELDS) - {f"{r}.{n}" for r, n, _ in FIELDS}
    assert not stale, f"PUBLIC_FIELDS names fields the schema lacks: {stale}"


# --- generated operations -----------------------------------------------------------------

# a well-formed ID that names nothing: no generated call touches a real object
NO_OBJECT = "gid://emporium/Nothing/999999999"


def _literal(t: GraphQLInputType) -> str:
    if isinstance(t, GraphQLNonNull):
        return _literal(t.of_type)
    if isinstance(t, GraphQLList):
        return f"[{_literal(t.of_type)}]"
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLInputObjectType):
        required = [
            f"{n}: {_literal(f.type)}"
            for n, f in t.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        ]
        return "{" + ", ".join(required) + "}"
    assert isinstance(t, GraphQLScalarType)
    return {
        "ID": f'"{NO_OBJECT}"',
        "String": '"x"',
        "Int": "1",
        "Float": "1.0",
        "Boolean": "true",
        "Decimal": '"1"',
    }.get(t.name, '"x"')


def operation(root: str, name: str) -> str:
    gtype = SCHEMA._schema.get_type(root)
    field: GraphQLField = gtype.fields[name]  # type: ignore[union-attr]
    args = [
        f"{n}: {_literal(a.type)}"
        for n, a in field.args.items()
        if isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
    ]
    call = f"{name}({', '.join(args)})" if args else name
    selection = " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
    return f"{root.lower()} {{ {call}{selection} }}"


@pytest.fixture(scope="module")
async def viewers(api: ApiClient, settings: Settings) -> dict[str, Account | None]:
    assert api.db is not None
    await clear_throttles(settings)
    return {
        "anonymous": None,
        "customer A": await sign_up(api),
        "customer B": await sign_up(api),
        # per permission below; these two hold none and all
        "staff none": await staff_account(api, api.db, []),
        "staff all": await staff_account(api, api.db, list(PERMISSIONS)),
        **{
            f"staff all but {p}": await staff_account(
                api, api.db, [q for q in PERMISSIONS if q != p]
            )
            for p in PERMISSIONS
        },
    }


def _account(viewers: dict[str, Account | None], rule: Rule, viewer: str) -> Account | None:
    if viewer == "staff with":
        return viewers["staff all"]
    if viewer == "staff without":
        # the strongest refusal: every permission but the one the field needs
        return viewers[f"staff all but {rule.permission}" if rule.permission else "staff none"]
    return viewers[viewer]


CASES = [
    pytest.param(root, name, rule, viewer, id=f"{root}.{name}-{viewer}")
    for root, name, rule in FIELDS
    if rule is not None
    for viewer in VIEWERS
]


async def first_answer(api: ApiClient, token: str | None, query: str, variables=None):
    """A subscription's first answer, as a socket whose connection_init carried `token`
    gets it (the transport itself is tested end to end in tests/e2e/test_subscriptions.py)."""
    runtime = api.http._transport.app.state.runtime  # type: ignore[attr-defined]
    ctx = Context(runtime=runtime, viewer=await resolve_viewer(runtime, token))
    stream = await SCHEMA.subscribe(query, variable_values=variables, context_value=ctx)
    if not hasattr(stream, "__anext__"):
        return GraphQLResponse(200, format_result(stream, ""))
    try:
        return GraphQLResponse(200, format_result(await anext(stream), ""))
    finally:
        await stream.aclose()


@pytest.mark.parametrize(("root", "name", "rule", "viewer"), CASES)
async def test_matrix(api: ApiClient, viewers, root, name, rule, viewer):
    account = _account(viewers, rule, viewer)
    token = account.access_token if account else None
    if root == "Subscription":
        r = await first_answer(api, token, operation(root, name))
    else:
        # its own client address: the generated sign-ins fail, and must not throttle others
        client = client_with_ip(api, "192.0.2.77")
        try:
            r = await as_bearer(client, token, operation(root, name))
        finally:
            await client.http.aclose()
    assert r.status == 200, r.body
    codes = set(r.codes)
    # the generated call is a valid one: it reached the permission check (and the resolver)
    assert not codes & {"INTERNAL_SERVER_ERROR", "GRAPHQL_VALIDATION_FAILED"}, r.body
    if rule.allows(viewer):
        assert not codes & {"UNAUTHENTICATED", "FORBIDDEN"}, r.body
    else:
        assert r.codes == [rule.denial(viewer)], r.body
        assert (r.body.get("data") or {}).get(name) is None


# --- ownership: customer B against customer A's objects -----------------------------------

ADDRESS_CREATE = """mutation { customerAddressCreate(address: {city: "Lyon"}) {
  customerAddress { id } } }"""
ME = "{ me { id email addresses { id city } defaultAddress { id } } }"

# every customer field, with how it keeps B off A's data
OWNERSHIP: dict[str, str] = {
    "Query.me": "answers the viewer only",
    "Mutation.customerUpdate": "acts on the viewer only",
    "Mutation.customerAddressCreate": "adds to the viewer only",
    "Mutation.customerAddressUpdate": "B with A's address id: NOT_FOUND",
    "Mutation.customerAddressDelete": "B with A's address id: NOT_FOUND",
    "Mutation.customerDefaultAddressUpdate": "B with A's address id: NOT_FOUND",
}


def test_every_customer_field_says_how_it_keeps_customers_apart():
    customer_fields = {f"{r}.{n}" for r, n, rule in FIELDS if rule and rule.kind == "customer"}
    assert customer_fields == set(OWNERSHIP)


async def test_customer_b_cannot_read_or_change_what_is_customer_as(api: ApiClient):
    a, b = await sign_up(api), await sign_up(api)
    made = await as_bearer(api, a.access_token, ADDRESS_CREATE)
    address = made.data["customerAddressCreate"]["customerAddress"]["id"]
    before = (await as_bearer(api, a.access_token, ME)).data["me"]

    attempts = {
        "customerAddressUpdate": f'customerAddressUpdate(id: "{address}", address: {{city: "X"}}) '
        "{ customerUserErrors { code } }",
        "customerAddressDelete": f'customerAddressDelete(id: "{address}") '
        "{ customerUserErrors { code } }",
        "customerDefaultAddressUpdate": f'customerDefaultAddressUpdate(addressId: "{address}") '
        "{ customerUserErrors { code } }",
        "customerUpdate": 'customerUpdate(customer: {firstName: "B"}) { customer { id } }',
    }
    for name, call in attempts.items():
        r = await as_bearer(api, b.access_token, f"mutation {{ {call} }}")
        payload = r.data[name]
        if name == "customerUpdate":
            assert payload["customer"]["id"] == b.id  # B changed B, nobody else
        else:
            assert payload["customerUserErrors"] == [{"code": "NOT_FOUND"}], name
    b_me = (await as_bearer(api, b.access_token, ME)).data["me"]
    assert b_me["id"] == b.id and b_me["addresses"] == []
    assert (await as_bearer(api, a.access_token, ME)).data["me"] == before
    # nor A's tokens: B's refresh token renews B, and `customer(customerAccessToken:)` with
    # B's token is B
    q = f'{{ customer(customerAccessToken: "{b.access_token}") {{ id }} }}'
    assert (await api.query(q)).data["customer"]["id"] == b.id


# --- carts: public fields, where the cart's owner is the rule ------------------------------

# every cart field, with how it keeps B (and guests) off A's cart: a customer's cart does
# not exist for anyone but that customer signed in, whatever id they send
CART_OWNERSHIP: dict[str, str] = {
    "Query.cart": "B or a guest with A's cart id: null",
    "Mutation.cartCreate": "makes a new cart; merges only the viewer's own earlier cart",
    "Mutation.cartLinesAdd": "B with A's cart id: NOT_FOUND",
    "Mutation.cartLinesUpdate": "B with A's cart id: NOT_FOUND",
    "Mutation.cartLinesRemove": "B with A's cart id: NOT_FOUND",
    "Mutation.cartDiscountCodesUpdate": "B with A's cart id: NOT_FOUND",
    "Mutation.cartBuyerIdentityUpdate": "B with A's cart id (or B's token): NOT_FOUND",
    "Mutation.cartShippingAddressUpdate": "B with A's cart id: NOT_FOUND",
    "Mutation.cartSelectedDeliveryOptionUpdate": "B with A's cart id: NOT_FOUND",
}
CART_FIELDS = (
    "totalQuantity buyerIdentity { customerId } lines(first: 10) { nodes { id quantity } }"
)


def test_every_cart_field_says_how_it_keeps_customers_apart():
    cart_fields = {f"{r}.{n}" for r, n, _ in FIELDS if n == "cart" or n.startswith("cart")}
    assert cart_fields == set(CART_OWNERSHIP)


async def test_customer_b_cannot_read_or_change_customer_as_cart(api: ApiClient):
    a, b = await sign_up(api), await sign_up(api)
    assert api.db is not None
    variant = to_global_id("ProductVariant", (await Products.make(api.db, ["5.00"])).ids[0])
    lines = f'[{{merchandiseId: "{variant}"}}]'
    made = await as_bearer(
        api,
        a.access_token,
        f"mutation {{ cartCreate(input: {{lines: {lines}}}) {{ cart {{ id {CART_FIELDS} }} userErrors {{ code }} }} }}",
    )
    cart = made.data["cartCreate"]["cart"]
    cid = cart["id"]
    assert cart["buyerIdentity"]["customerId"] == a.id
    line = cart["lines"]["nodes"][0]["id"]
    calls = {
        "cartLinesAdd": f'cartLinesAdd(cartId: "{cid}", lines: [{{merchandiseId: "{variant}"}}])',
        "cartLinesUpdate": f'cartLinesUpdate(cartId: "{cid}", lines: [{{id: "{line}", quantity: 5}}])',
        "cartLinesRemove": f'cartLinesRemove(cartId: "{cid}", lineIds: ["{line}"])',
        "cartDiscountCodesUpdate": f'cartDiscountCodesUpdate(cartId: "{cid}", discountCodes: ["B"])',
        "cartBuyerIdentityUpdate": f'cartBuyerIdentityUpdate(cartId: "{cid}", buyerIdentity: {{email: "b@example.com"}})',
        "cartShippingAddressUpdate": f'cartShippingAddressUpdate(cartId: "{cid}", address: {{city: "X"}})',
        "cartSelectedDeliveryOptionUpdate": f'cartSelectedDeliveryOptionUpdate(cartId: "{cid}", deliveryOptionHandle: "x")',
    }
    assert {f"Mutation.{n}" for n in calls} == set(CART_OWNERSHIP) - {
        "Query.cart",
        "Mutation.cartCreate",
    }
    for token in (b.access_token, None):
        r = await as_bearer(api, token, f'{{ cart(id: "{cid}") {{ id }} }}')
        assert r.data["cart"] is None
        for name, call in calls.items():
            r = await as_bearer(
                api, token, f"mutation {{ {call} {{ cart {{ id }} userErrors {{ code }} }} }}"
            )
            assert r.data[name] == {"cart": None, "userErrors": [{"code": "NOT_FOUND"}]}, name
    # B signing a cart in with A's cart id and B's own token gets nowhere either
    r = await as_bearer(
        api,
        b.access_token,
        f'mutation {{ cartBuyerIdentityUpdate(cartId: "{cid}", buyerIdentity: {{customerAccessToken: "{b.access_token}"}}) {{ userErrors {{ code }} }} }}',
    )
    assert r.data["cartBuyerIdentityUpdate"]["userErrors"] == [{"code": "NOT_FOUND"}]
    # B's own new cart does not pull A's in
    r = await as_bearer(
        api, b.access_token, f"mutation {{ cartCreate {{ cart {{ {CART_FIELDS} }} }} }}"
    )
    assert r.data["cartCreate"]["cart"]["totalQuantity"] == 0
    after = await as_bearer(api, a.access_token, f'{{ cart(id: "{cid}") {{ id {CART_FIELDS} }} }}')
    assert after.data["cart"] == cart


# --- subscriptions answer whom their query answers -----------------------------------------

ORDER_SELECTION = "id number status total { amount currencyCode } lines { id quantity }"


async def test_order_updated_answers_exactly_whom_order_answers(api: ApiClient, viewers):
    """orderUpdated's first answer is order(id:)'s, for every viewer: the order for its
    customer and MANAGE_ORDERS staff, NOT_FOUND for customer B, other staff and nobody."""
    assert api.db is not None
    cid = from_global_id(viewers["customer A"].id, "Customer")[1]
    placed = await orders.place_order(api.db.uow(orders.CONTEXT), draft(customer_id=cid))
    gid = to_global_id("Order", placed.order.id)
    query = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_SELECTION} }} }}"
    sub = f"subscription($id: ID!) {{ orderUpdated(id: $id) {{ {ORDER_SELECTION} }} }}"
    who = {
        "customer A": True,
        "customer B": False,
        "anonymous": False,
        "staff all": True,
        "staff all but MANAGE_ORDERS": False,
    }
    for viewer, allowed in who.items():
        account = viewers[viewer]
        token = account.access_token if account else None
        asked = await as_bearer(api, token, query, {"id": gid})
        live = await first_answer(api, token, sub, {"id": gid})
        if allowed:
            assert live.data["orderUpdated"] == asked.data["order"], viewer
            assert asked.data["order"]["id"] == gid
        else:
            assert asked.codes == live.codes == ["NOT_FOUND"], (viewer, live.body)
            assert live.body["data"] is None


CHECKOUT_SELECTION = "id status reason"


async def test_checkout_status_answers_exactly_whom_checkout_answers(api: ApiClient, viewers):
    """checkoutStatus's first answer is checkout(id:)'s: a customer's checkout for that
    customer only (NOT_FOUND where the query answers null), a guest's for any id holder."""
    assert api.db is not None
    cid = from_global_id(viewers["customer A"].id, "Customer")[1]
    query = f"query($id: ID!) {{ checkout(id: $id) {{ {CHECKOUT_SELECTION} }} }}"
    sub = f"subscription($id: ID!) {{ checkoutStatus(id: $id) {{ {CHECKOUT_SELECTION} }} }}"
    for owner in (cid, None):
        saga, _ = await checkout.start(
            api.db.uow(checkout.CONTEXT),
            checkout.SagaDraft(
                idempotency_key=uuid.uuid4().hex,
                cart_id=uuid.uuid4().hex,
                customer_id=owner,
                email="buyer@example.com",
                currency="USD",
                amount=100,
                gateway="test",
                token="tok_visa",
            ),
        )
        gid = encode_checkout_id(saga.id)
        for viewer in ("customer A", "customer B", "anonymous", "staff all"):
            account = viewers[viewer]
            token = account.access_token if account else None
            asked = await as_bearer(api, token, query, {"id": gid})
            live = await first_answer(api, token, sub, {"id": gid})
            if owner is None or viewer == "customer A":
                assert live.data["checkoutStatus"] == asked.data["checkout"], viewer
                assert asked.data["checkout"]["id"] == gid
            else:
                assert asked.data["checkout"] is None, viewer
                assert live.codes == ["NOT_FOUND"], (viewer, live.body)
                assert live.body["data"] is None
