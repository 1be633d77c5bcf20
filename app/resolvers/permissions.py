"""Authorisation, declared on the field: `extensions=staff("MANAGE_PRODUCTS")` or
`extensions=customer()`. Resolvers never test the viewer themselves."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from app.platform.auth import PERMISSIONS


class HasPermission(BasePermission):
    """A staff member holding `permission`. Nobody signed in: UNAUTHENTICATED; signed in
    without it: FORBIDDEN."""

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        self.permission = permission

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        if viewer.can(self.permission):
            return True
        if viewer.anonymous:
            self.message = "Sign in as staff to do this"
            self.error_extensions = {"code": "UNAUTHENTICATED"}
        else:
            self.message = f"This needs the {self.permission} permission"
            self.error_extensions = {"code": "FORBIDDEN", "permission": self.permission}
        return False


class IsCustomer(BasePermission):
    """A signed-in customer (their own data only: the resolver reads `viewer.id`)."""

    message = "Sign in as a customer to do this"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(info.context.viewer.kind == "customer")


def staff(permission: str) -> list[FieldExtension]:
    return [PermissionExtension(permissions=[HasPermission(permission)])]


def customer() -> list[FieldExtension]:
    return [PermissionExtension(permissions=[IsCustomer()])]
