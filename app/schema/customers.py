"""Customers in the schema: accounts, addresses, access tokens and the Storefront-style
mutations (Shopify's names and payload shapes), all thin over `app/resolvers/customers.py`."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from app.domains import customers
from app.platform.ids import to_global_id
from app.resolvers import customers as resolve
from app.resolvers.context import Context
from app.resolvers.permissions import customer as signed_in_customer
from app.schema.catalog import First
from app.schema.common import UserError
from app.schema.orders import OrderConnection, customer_orders

# built from the domain's list, so the enum and the validation never drift
_COUNTRY_CODES: type[enum.Enum] = enum.Enum(  # type: ignore[misc]
    "CountryCode", {code: code for code in customers.COUNTRY_CODES}
)
CountryCode = strawberry.enum(_COUNTRY_CODES, description="ISO 3166-1 alpha-2 country codes.")


@strawberry.type(description="A postal address of a customer.")
class MailingAddress:
    id: strawberry.ID
    first_name: str | None
    last_name: str | None
    company: str | None
    address1: str | None
    address2: str | None
    city: str | None
    province: str | None
    zip: str | None
    country_code: CountryCode | None  # type: ignore[valid-type]
    phone: str | None

    @classmethod
    def from_domain(cls, a: customers.Address) -> MailingAddress:
        return cls(
            id=strawberry.ID(to_global_id("MailingAddress", a.id)),
            first_name=a.first_name,
            last_name=a.last_name,
            company=a.company,
            address1=a.address1,
            address2=a.address2,
            city=a.city,
            province=a.province,
            zip=a.zip,
            country_code=CountryCode[a.country_code] if a.country_code else None,  # type: ignore[misc]
            phone=a.phone,
        )


@strawberry.input(description="A postal address; fields left out stay as they are on update.")
class MailingAddressInput:
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    company: str | None = strawberry.UNSET
    address1: str | None = strawberry.UNSET
    address2: str | None = strawberry.UNSET
    city: str | None = strawberry.UNSET
    province: str | None = strawberry.UNSET
    zip: str | None = strawberry.UNSET
    country_code: CountryCode | None = strawberry.UNSET  # type: ignore[valid-type]
    phone: str | None = strawberry.UNSET

    def fields(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if v is not strawberry.UNSET}
        if out.get("country_code") is not None:
            out["country_code"] = out["country_code"].value
        return out


@strawberry.type(description="A customer account: only its owner (signed in) can read it.")
class Customer:
    id: strawberry.ID
    email: str
    first_name: str | None
    last_name: str | None
    accepts_marketing: bool
    created_at: datetime
    updated_at: datetime
    default_address: MailingAddress | None
    addresses: list[MailingAddress] = strawberry.field(
        description=f"Every address of the customer (at most {customers.MAX_ADDRESSES})."
    )
    pk: strawberry.Private[int | None] = None

    @strawberry.field(description="The customer's orders, newest first (Relay connection).")
    async def orders(
        self, info: Info[Context, None], first: First = None, after: str | None = None
    ) -> OrderConnection:
        assert self.pk is not None
        return await customer_orders(info, self.pk, first, after)

    @strawberry.field
    def display_name(self) -> str:
        return " ".join(n for n in (self.first_name, self.last_name) if n) or self.email

    @classmethod
    def from_domain(cls, c: customers.Customer) -> Customer:
        addresses = [MailingAddress.from_domain(a) for a in c.addresses]
        default = next((a for a in c.addresses if a.id == c.default_address_id), None)
        return cls(
            id=strawberry.ID(to_global_id("Customer", c.id)),
            email=c.email,
            first_name=c.first_name,
            last_name=c.last_name,
            accepts_marketing=c.accepts_marketing,
            created_at=c.created_at,
            updated_at=c.updated_at,
            default_address=MailingAddress.from_domain(default) if default else None,
            addresses=addresses,
            pk=c.id,
        )


@strawberry.type(
    description="A sign-in: a short-lived access token (send it as `Authorization: Bearer "
    "<accessToken>`) and a refresh token for `customerAccessTokenRenew` (single use: each "
    "renewal returns the next)."
)
class CustomerAccessToken:
    access_token: str
    expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime

    @classmethod
    def from_domain(cls, t: customers.IssuedTokens | None) -> CustomerAccessToken | None:
        if t is None or t.access_expires_at is None or t.refresh_expires_at is None:
            return None
        return cls(
            access_token=t.access_token,
            expires_at=t.access_expires_at,
            refresh_token=t.refresh_token,
            refresh_token_expires_at=t.refresh_expires_at,
        )


def _errors(found: list[dict[str, Any]]) -> list[UserError]:
    return [UserError(**e) for e in found]


@strawberry.input
class CustomerCreateInput:
    email: str
    password: str
    first_name: str | None = None
    last_name: str | None = None
    accepts_marketing: bool | None = None


@strawberry.input
class CustomerUpdateInput:
    email: str | None = strawberry.UNSET
    password: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    accepts_marketing: bool | None = strawberry.UNSET


@strawberry.input
class CustomerAccessTokenCreateInput:
    email: str
    password: str


@strawberry.input
class CustomerSignInWithProviderStartInput:
    redirect_uri: str | None = strawberry.field(
        default=None,
        description="Where the provider sends the browser back; only the shop's registered "
        "redirect URI (OIDC_REDIRECT_URI) is accepted, and it is the default.",
    )


@strawberry.input
class CustomerSignInWithProviderCompleteInput:
    code: str = strawberry.field(description="The `code` of the provider's redirect back.")
    state: str = strawberry.field(description="The `state` of the provider's redirect back.")


@strawberry.input
class CustomerResetInput:
    reset_token: str
    password: str


@strawberry.type
class CustomerCreatePayload:
    customer: Customer | None
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerAccessTokenCreatePayload:
    customer_access_token: CustomerAccessToken | None
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerSignInWithProviderStartPayload:
    authorization_url: str | None = strawberry.field(
        description="Send the browser here: the provider's sign-in page."
    )
    state: str | None = strawberry.field(
        description="Comes back on the redirect URI with the code; single use, expires."
    )
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerAccessTokenRenewPayload:
    customer_access_token: CustomerAccessToken | None
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerAccessTokenDeletePayload:
    deleted_access_token: str | None
    deleted_customer_access_token_id: str | None
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerRecoverPayload:
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerResetPayload:
    customer: Customer | None
    customer_access_token: CustomerAccessToken | None
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerUpdatePayload:
    customer: Customer | None
    customer_access_token: CustomerAccessToken | None = strawberry.field(
        description="A new sign-in when the password changed (every earlier one is ended)."
    )
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerAddressCreatePayload:
    customer_address: MailingAddress | None
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerAddressUpdatePayload:
    customer_address: MailingAddress | None
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerAddressDeletePayload:
    deleted_customer_address_id: str | None
    customer_user_errors: list[UserError]


@strawberry.type
class CustomerDefaultAddressUpdatePayload:
    customer: Customer | None
    customer_user_errors: list[UserError]


PAYLOADS = (
    CustomerCreatePayload,
    CustomerAccessTokenCreatePayload,
    CustomerSignInWithProviderStartPayload,
    CustomerAccessTokenRenewPayload,
    CustomerAccessTokenDeletePayload,
    CustomerRecoverPayload,
    CustomerResetPayload,
    CustomerUpdatePayload,
    CustomerAddressCreatePayload,
    CustomerAddressUpdatePayload,
    CustomerAddressDeletePayload,
    CustomerDefaultAddressUpdatePayload,
)
# a mutation reports its first problem: at most one userErrors entry (app/schema/cost.py)
LIST_BOUNDS: dict[str, int] = {
    "Customer.addresses": customers.MAX_ADDRESSES,
    **{f"{p.__name__}.customerUserErrors": 1 for p in PAYLOADS},
}


async def _customer(info: Info[Context, None]) -> Customer | None:
    c = await resolve.customer(info.context, resolve.me(info.context))
    return Customer.from_domain(c) if c else None


@strawberry.type
class CustomerQuery:
    @strawberry.field(
        description="The customer a customer access token belongs to (Shopify's form); null "
        "for a token that is invalid, expired or signed out."
    )
    async def customer(
        self, info: Info[Context, None], customer_access_token: str
    ) -> Customer | None:
        c = await resolve.customer_for_token(info.context, customer_access_token)
        return Customer.from_domain(c) if c else None

    @strawberry.field(
        description="The signed-in customer (`Authorization: Bearer <accessToken>`).",
        extensions=signed_in_customer(),
    )
    async def me(self, info: Info[Context, None]) -> Customer | None:
        return await _customer(info)


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(description="Register a customer account.")
    async def customer_create(
        self, info: Info[Context, None], input: CustomerCreateInput
    ) -> CustomerCreatePayload:
        c, errors = await resolve.attempt(resolve.create_customer(info.context, input), "input")
        return CustomerCreatePayload(
            customer=Customer.from_domain(c) if c else None, customer_user_errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Sign in: tokens for the right e-mail and password (UNIDENTIFIED_CUSTOMER "
        "otherwise, whichever was wrong; THROTTLED after repeated failures)."
    )
    async def customer_access_token_create(
        self, info: Info[Context, None], input: CustomerAccessTokenCreateInput
    ) -> CustomerAccessTokenCreatePayload:
        t, errors = await resolve.attempt(
            resolve.sign_in(info.context, "customer", input.email, input.password), "input"
        )
        return CustomerAccessTokenCreatePayload(
            customer_access_token=CustomerAccessToken.from_domain(t),
            customer_user_errors=_errors(errors),
        )

    @strawberry.mutation(
        description="Begin signing in with the shop's identity provider (OpenID Connect, "
        "authorization code with PKCE): send the browser to `authorizationUrl`. "
        "OIDC_NOT_CONFIGURED when the shop has none."
    )
    async def customer_sign_in_with_provider_start(
        self,
        info: Info[Context, None],
        input: CustomerSignInWithProviderStartInput | None = None,
    ) -> CustomerSignInWithProviderStartPayload:
        redirect_uri = input.redirect_uri if input else None
        found, errors = await resolve.attempt(
            resolve.provider_start(info.context, redirect_uri), "input"
        )
        url, state = found or (None, None)
        return CustomerSignInWithProviderStartPayload(
            authorization_url=url, state=state, customer_user_errors=_errors(errors)
        )

    @strawberry.mutation(
        description="Finish signing in with the identity provider, from its redirect back "
        "(`code` and `state`): the same tokens as `customerAccessTokenCreate`, for the "
        "account with the provider's verified e-mail (made if there is none). "
        "OIDC_STATE_INVALID, OIDC_CODE_INVALID, OIDC_TOKEN_INVALID, OIDC_EMAIL_UNVERIFIED, "
        "OIDC_PROVIDER_UNAVAILABLE or OIDC_NOT_CONFIGURED otherwise."
    )
    async def customer_sign_in_with_provider_complete(
        self, info: Info[Context, None], input: CustomerSignInWithProviderCompleteInput
    ) -> CustomerAccessTokenCreatePayload:
        t, errors = await resolve.attempt(
            resolve.provider_complete(info.context, input.code, input.state), "input"
        )
        return CustomerAccessTokenCreatePayload(
            customer_access_token=CustomerAccessToken.from_domain(t),
            customer_user_errors=_errors(errors),
        )

    @strawberry.mutation(
        description="Spend a refresh token for a new pair. Each refresh token works once: "
        "presenting a spent one signs the whole session out."
    )
    async def customer_access_token_renew(
        self, info: Info[Context, None], refresh_token: str
    ) -> CustomerAccessTokenRenewPayload:
        t, errors = await resolve.attempt(resolve.renew(info.context, "customer", refresh_token))
        return CustomerAccessTokenRenewPayload(
            customer_access_token=CustomerAccessToken.from_domain(t),
            customer_user_errors=_errors(errors),
        )

    @strawberry.mutation(
        description="Sign out: ends the session of this access token (its refresh tokens too)."
    )
    async def customer_access_token_delete(
        self, info: Info[Context, None], customer_access_token: str
    ) -> CustomerAccessTokenDeletePayload:
        sid, errors = await resolve.attempt(
            resolve.sign_out(info.context, "customer", customer_access_token),
            "customerAccessToken",
        )
        return CustomerAccessTokenDeletePayload(
            deleted_access_token=customer_access_token if sid else None,
            deleted_customer_access_token_id=sid,
            customer_user_errors=_errors(errors),
        )

    @strawberry.mutation(
        description="Send a password reset e-mail. Says the same whether or not an account "
        "has this e-mail."
    )
    async def customer_recover(
        self, info: Info[Context, None], email: str
    ) -> CustomerRecoverPayload:
        _, errors = await resolve.attempt(resolve.recover(info.context, email))
        return CustomerRecoverPayload(customer_user_errors=_errors(errors))

    @strawberry.mutation(
        description="Set a new password with the reset token from the e-mail (single use, "
        "expiring); signs every session out and returns a new sign-in."
    )
    async def customer_reset(
        self, info: Info[Context, None], id: strawberry.ID, input: CustomerResetInput
    ) -> CustomerResetPayload:
        found, errors = await resolve.attempt(
            resolve.reset(info.context, id, input.reset_token, input.password), "input"
        )
        c, t = found or (None, None)
        return CustomerResetPayload(
            customer=Customer.from_domain(c) if c else None,
            customer_access_token=CustomerAccessToken.from_domain(t),
            customer_user_errors=_errors(errors),
        )

    @strawberry.mutation(
        description="Change the signed-in customer's profile, e-mail or password.",
        extensions=signed_in_customer(),
    )
    async def customer_update(
        self, info: Info[Context, None], customer: CustomerUpdateInput
    ) -> CustomerUpdatePayload:
        fields = {k: v for k, v in vars(customer).items() if v is not strawberry.UNSET}
        found, errors = await resolve.attempt(
            resolve.update_customer(info.context, fields), "customer"
        )
        c, t = found or (None, None)
        return CustomerUpdatePayload(
            customer=Customer.from_domain(c) if c else None,
            customer_access_token=CustomerAccessToken.from_domain(t),
            customer_user_errors=_errors(errors),
        )

    @strawberry.mutation(
        description=f"Add an address (at most {customers.MAX_ADDRESSES}; the first becomes "
        "the default).",
        extensions=signed_in_customer(),
    )
    async def customer_address_create(
        self, info: Info[Context, None], address: MailingAddressInput
    ) -> CustomerAddressCreatePayload:
        a, errors = await resolve.attempt(resolve.create_address(info.context, address.fields()))
        return CustomerAddressCreatePayload(
            customer_address=MailingAddress.from_domain(a) if a else None,
            customer_user_errors=_errors(errors),
        )

    @strawberry.mutation(
        description="Change one of the signed-in customer's addresses.",
        extensions=signed_in_customer(),
    )
    async def customer_address_update(
        self, info: Info[Context, None], id: strawberry.ID, address: MailingAddressInput
    ) -> CustomerAddressUpdatePayload:
        a, errors = await resolve.attempt(
            resolve.update_address(info.context, id, address.fields())
        )
        return CustomerAddressUpdatePayload(
            customer_address=MailingAddress.from_domain(a) if a else None,
            customer_user_errors=_errors(errors),
        )

    @strawberry.mutation(
        description="Delete one of the signed-in customer's addresses.",
        extensions=signed_in_customer(),
    )
    async def customer_address_delete(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> CustomerAddressDeletePayload:
        _, errors = await resolve.attempt(resolve.delete_address(info.context, id))
        return CustomerAddressDeletePayload(
            deleted_customer_address_id=str(id) if not errors else None,
            customer_user_errors=_errors(errors),
        )

    @strawberry.mutation(
        description="Make one of the signed-in customer's addresses the default.",
        extensions=signed_in_customer(),
    )
    async def customer_default_address_update(
        self, info: Info[Context, None], address_id: strawberry.ID
    ) -> CustomerDefaultAddressUpdatePayload:
        c, errors = await resolve.attempt(resolve.set_default_address(info.context, address_id))
        return CustomerDefaultAddressUpdatePayload(
            customer=Customer.from_domain(c) if c else None,
            customer_user_errors=_errors(errors),
        )
