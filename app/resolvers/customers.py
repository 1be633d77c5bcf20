"""Customers and staff resolvers: build domain input, call the customers context, and turn
its expected errors into `userErrors` (via `user_error`, the one mapping)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from app.domains import customers
from app.platform import oidc
from app.platform.auth import Viewer
from app.platform.ids import InvalidId, from_global_id
from app.resolvers.context import Context
from app.resolvers.errors import user_error

T = TypeVar("T")
CONTEXT = customers.CONTEXT
# the errors a customer or staff mutation answers as userErrors
USER_ERRORS = (customers.CustomersError, InvalidId, oidc.OidcError)
# the input field (as the schema spells it) an OIDC failure is about, where there is one
_OIDC_FIELDS = {
    oidc.STATE_INVALID: "state",
    oidc.CODE_INVALID: "code",
    oidc.REDIRECT_URI_INVALID: "redirectUri",
}


def auth_config(runtime: Any) -> customers.AuthConfig:
    """Keys and lifetimes from settings, parsed once per process (runtime)."""
    found = runtime.extra.get("customers.auth")
    if found is None:
        found = runtime.extra["customers.auth"] = customers.AuthConfig.from_settings(
            runtime.settings
        )
    return found  # type: ignore[no-any-return]


async def viewer_for(runtime: Any, token: str) -> Viewer:
    """The viewer a bearer token stands for; TokenInvalid if it stands for nobody."""
    async with runtime.db.reader(CONTEXT) as uow:
        return await customers.viewer_from_token(uow, auth_config(runtime).keys, token)


async def attempt(
    work: Awaitable[T], prefix: str | None = None
) -> tuple[T | None, list[dict[str, Any]]]:
    """Run a use case: its result, or its expected error as one userErrors entry."""
    try:
        return await work, []
    except oidc.OidcError as exc:
        if exc.code == oidc.SERVICE_UNAVAILABLE:
            raise  # not the user's error: a GraphQL error with its code (errors.py)
        error = user_error(exc, prefix)
        if exc.code in _OIDC_FIELDS:
            error["field"] = [p for p in (prefix, _OIDC_FIELDS[exc.code]) if p]
        return None, [error]
    except USER_ERRORS as exc:
        return None, [user_error(exc, prefix)]


def client_ip(ctx: Context) -> str | None:
    client = getattr(ctx.request, "client", None)
    return getattr(client, "host", None)


def throttle(ctx: Context) -> customers.LoginThrottle:
    return customers.login_throttle(ctx.runtime.redis, ctx.runtime.settings)


def parse_id(gid: str, type_name: str, field: str = "id") -> int:
    return from_global_id(gid, type_name, field=field)[1]


async def sign_in(ctx: Context, kind: Any, email: str, password: str) -> customers.IssuedTokens:
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        return await customers.sign_in(
            uow, auth_config(ctx.runtime), throttle(ctx), kind, email, password, client_ip(ctx)
        )


async def renew(ctx: Context, kind: Any, refresh_token: str) -> customers.IssuedTokens:
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        return await customers.renew(uow, auth_config(ctx.runtime), refresh_token, kind)


async def sign_out(ctx: Context, kind: Any, access_token: str) -> str:
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        return await customers.sign_out(uow, auth_config(ctx.runtime), access_token, kind)


def provider(ctx: Context) -> oidc.OidcClient:
    """The OpenID Connect provider built in the lifespan, if OIDC_ISSUER configures one."""
    client: oidc.OidcClient | None = ctx.runtime.extra.get("oidc")
    if client is None:
        raise oidc.OidcError(
            oidc.NOT_CONFIGURED, "Sign-in with an identity provider is not configured"
        )
    return client


async def provider_start(ctx: Context, redirect_uri: str | None) -> tuple[str, str]:
    return await provider(ctx).start(redirect_uri)


async def provider_complete(ctx: Context, code: str, state: str) -> customers.IssuedTokens:
    """The provider's redirect back: a verified identity, linked by its verified e-mail to
    the customer with it (or a new one), signed in with Emporium's own tokens."""
    identity = await provider(ctx).complete(code, state)
    email = oidc.require_verified_email(identity)
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        _, tokens = await customers.sign_in_verified_email(
            uow, auth_config(ctx.runtime), email, identity.given_name, identity.family_name
        )
    return tokens


async def customer(ctx: Context, customer_id: int) -> customers.Customer | None:
    async with ctx.runtime.db.reader(CONTEXT) as uow:
        return await customers.customer_by_id(uow, customer_id)


async def staff_member(ctx: Context, staff_id: int) -> customers.StaffMember | None:
    async with ctx.runtime.db.reader(CONTEXT) as uow:
        return (await customers.staff_by_ids(uow, [staff_id])).get(staff_id)


async def customer_for_token(ctx: Context, token: str) -> customers.Customer | None:
    """Shopify's `customer(customerAccessToken:)`: the token's customer, or null for a token
    that is not a valid customer token."""
    try:
        viewer = await viewer_for(ctx.runtime, token)
    except customers.TokenInvalid:
        return None
    return await customer(ctx, viewer.id) if viewer.kind == "customer" and viewer.id else None


def me(ctx: Context) -> int:
    """The signed-in viewer's id (the permission extension on the field made sure of one)."""
    assert ctx.viewer.id is not None
    return ctx.viewer.id


async def create_customer(ctx: Context, input: Any) -> customers.Customer:
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        return await customers.create_customer(
            uow,
            input.email,
            input.password,
            first_name=input.first_name,
            last_name=input.last_name,
            accepts_marketing=input.accepts_marketing,
        )


async def recover(ctx: Context, email: str) -> None:
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        await customers.request_reset(
            uow,
            auth_config(ctx.runtime),
            email,
            customers.recover_throttle(ctx.runtime.redis, ctx.runtime.settings),
            client_ip(ctx),
        )


async def reset(
    ctx: Context, gid: str, reset_token: str, password: str
) -> tuple[customers.Customer | None, customers.IssuedTokens]:
    customer_id = parse_id(gid, "Customer")
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        tokens = await customers.reset_password(
            uow, auth_config(ctx.runtime), customer_id, reset_token, password
        )
    return await customer(ctx, customer_id), tokens


async def update_customer(
    ctx: Context, fields: dict[str, Any]
) -> tuple[customers.Customer | None, customers.IssuedTokens | None]:
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        tokens = await customers.update_customer(uow, auth_config(ctx.runtime), me(ctx), fields)
    return await customer(ctx, me(ctx)), tokens


async def create_address(ctx: Context, fields: dict[str, Any]) -> customers.Address:
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        return await customers.create_address(uow, me(ctx), fields)


async def update_address(ctx: Context, gid: str, fields: dict[str, Any]) -> customers.Address:
    address_id = parse_id(gid, "MailingAddress")
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        return await customers.update_address(uow, me(ctx), address_id, fields)


async def delete_address(ctx: Context, gid: str) -> None:
    address_id = parse_id(gid, "MailingAddress")
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        await customers.delete_address(uow, me(ctx), address_id)


async def set_default_address(ctx: Context, gid: str) -> customers.Customer | None:
    address_id = parse_id(gid, "MailingAddress", field="addressId")
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        await customers.set_default_address(uow, me(ctx), address_id)
    return await customer(ctx, me(ctx))


async def invite_staff(ctx: Context, input: Any) -> customers.StaffMember:
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        return await customers.create_staff(
            uow,
            input.email,
            input.password,
            [p.value for p in input.permissions],
            input.first_name,
            input.last_name,
        )


async def update_staff(ctx: Context, gid: str, permissions: list[str]) -> customers.StaffMember:
    staff_id = parse_id(gid, "StaffMember")
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        return await customers.update_staff(uow, staff_id, permissions)


async def deactivate_staff(ctx: Context, gid: str) -> customers.StaffMember:
    staff_id = parse_id(gid, "StaffMember")
    async with ctx.runtime.db.uow(CONTEXT) as uow:
        return await customers.deactivate_staff(uow, staff_id, me(ctx))
