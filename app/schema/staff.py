"""Staff in the schema: sign-in, who am I, and the MANAGE_STAFF mutations. Permissions are
declared on each field (`staff("MANAGE_STAFF")`), never tested in a resolver."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from app.domains import customers
from app.platform.auth import PERMISSIONS
from app.platform.ids import to_global_id
from app.resolvers import customers as resolve
from app.resolvers.context import Context
from app.resolvers.permissions import staff
from app.schema.common import UserError

_PERMISSIONS: type[enum.Enum] = enum.Enum(  # type: ignore[misc]
    "StaffPermission", {p: p for p in PERMISSIONS}
)
StaffPermission = strawberry.enum(
    _PERMISSIONS, description="What a staff member may do; each staff field names the one it needs."
)


class IsStaff(BasePermission):
    """Any signed-in staff member, whatever their permissions (their own account)."""

    message = "Sign in as staff to do this"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(info.context.viewer.kind == "staff")


def any_staff() -> list[Any]:
    return [PermissionExtension(permissions=[IsStaff()])]


@strawberry.type(description="A member of the store's staff.")
class StaffMember:
    id: strawberry.ID
    email: str
    first_name: str | None
    last_name: str | None
    permissions: list[StaffPermission]  # type: ignore[valid-type]
    active: bool
    created_at: datetime

    @classmethod
    def from_domain(cls, s: customers.StaffMember) -> StaffMember:
        return cls(
            id=strawberry.ID(to_global_id("StaffMember", s.id)),
            email=s.email,
            first_name=s.first_name,
            last_name=s.last_name,
            permissions=[StaffPermission[p] for p in sorted(s.permissions)],  # type: ignore[misc]
            active=s.active,
            created_at=s.created_at,
        )


@strawberry.type(
    description='A staff sign-in: put `{"Authorization": "Bearer <accessToken>"}` in '
    "GraphiQL's headers pane; renew with `staffAccessTokenRenew(refreshToken:)`."
)
class StaffAccessToken:
    access_token: str
    expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime

    @classmethod
    def from_domain(cls, t: customers.IssuedTokens | None) -> StaffAccessToken | None:
        if t is None or t.access_expires_at is None or t.refresh_expires_at is None:
            return None
        return cls(
            access_token=t.access_token,
            expires_at=t.access_expires_at,
            refresh_token=t.refresh_token,
            refresh_token_expires_at=t.refresh_expires_at,
        )


@strawberry.input
class StaffAccessTokenCreateInput:
    email: str
    password: str


@strawberry.input
class StaffInviteInput:
    email: str
    password: str = strawberry.field(
        description="The first password; tell it to the new member, who signs in with it."
    )
    permissions: list[StaffPermission]  # type: ignore[valid-type]
    first_name: str | None = None
    last_name: str | None = None


@strawberry.type
class StaffAccessTokenCreatePayload:
    staff_access_token: StaffAccessToken | None
    user_errors: list[UserError]


@strawberry.type
class StaffMemberPayload:
    staff_member: StaffMember | None
    user_errors: list[UserError]


@strawberry.type
class StaffAccessTokenDeletePayload:
    deleted_access_token: str | None
    user_errors: list[UserError]


LIST_BOUNDS: dict[str, int] = {
    f"{p.__name__}.userErrors": 1
    for p in (StaffAccessTokenCreatePayload, StaffAccessTokenDeletePayload, StaffMemberPayload)
}


def _token_payload(found: Any, errors: list[dict[str, Any]]) -> StaffAccessTokenCreatePayload:
    return StaffAccessTokenCreatePayload(
        staff_access_token=StaffAccessToken.from_domain(found),
        user_errors=[UserError(**e) for e in errors],
    )


def _member_payload(found: Any, errors: list[dict[str, Any]]) -> StaffMemberPayload:
    return StaffMemberPayload(
        staff_member=StaffMember.from_domain(found) if found else None,
        user_errors=[UserError(**e) for e in errors],
    )


@strawberry.type
class StaffQuery:
    @strawberry.field(description="The signed-in staff member.", extensions=any_staff())
    async def staff_me(self, info: Info[Context, None]) -> StaffMember | None:
        s = await resolve.staff_member(info.context, resolve.me(info.context))
        return StaffMember.from_domain(s) if s else None


@strawberry.type
class StaffMutation:
    @strawberry.mutation(description="Staff sign-in with e-mail and password.")
    async def staff_access_token_create(
        self, info: Info[Context, None], input: StaffAccessTokenCreateInput
    ) -> StaffAccessTokenCreatePayload:
        return _token_payload(
            *await resolve.attempt(
                resolve.sign_in(info.context, "staff", input.email, input.password), "input"
            )
        )

    @strawberry.mutation(description="Spend a staff refresh token for a new pair (single use).")
    async def staff_access_token_renew(
        self, info: Info[Context, None], refresh_token: str
    ) -> StaffAccessTokenCreatePayload:
        return _token_payload(
            *await resolve.attempt(resolve.renew(info.context, "staff", refresh_token))
        )

    @strawberry.mutation(
        description="Sign out: ends the session of this access token (its refresh tokens too)."
    )
    async def staff_access_token_delete(
        self, info: Info[Context, None], staff_access_token: str
    ) -> StaffAccessTokenDeletePayload:
        sid, errors = await resolve.attempt(
            resolve.sign_out(info.context, "staff", staff_access_token), "staffAccessToken"
        )
        return StaffAccessTokenDeletePayload(
            deleted_access_token=staff_access_token if sid else None,
            user_errors=[UserError(**e) for e in errors],
        )

    @strawberry.mutation(
        description="Add a staff member with a first password and permissions.",
        extensions=staff("MANAGE_STAFF"),
    )
    async def staff_invite(
        self, info: Info[Context, None], input: StaffInviteInput
    ) -> StaffMemberPayload:
        return _member_payload(
            *await resolve.attempt(resolve.invite_staff(info.context, input), "input")
        )

    @strawberry.mutation(
        description="Replace a staff member's permissions (in effect on their next request).",
        extensions=staff("MANAGE_STAFF"),
    )
    async def staff_update(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        permissions: list[StaffPermission],  # type: ignore[valid-type]
    ) -> StaffMemberPayload:
        names = [p.value for p in permissions]  # type: ignore[attr-defined]
        return _member_payload(
            *await resolve.attempt(resolve.update_staff(info.context, id, names))
        )

    @strawberry.mutation(
        description="Deactivate a staff member: signed out at once, cannot sign in again.",
        extensions=staff("MANAGE_STAFF"),
    )
    async def staff_deactivate(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> StaffMemberPayload:
        return _member_payload(*await resolve.attempt(resolve.deactivate_staff(info.context, id)))
