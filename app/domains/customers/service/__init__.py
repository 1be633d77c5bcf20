"""Customers use cases: accounts and addresses, sessions and tokens, staff."""

from app.domains.customers.service.accounts import (
    create_address,
    create_customer,
    customer_by_id,
    customers_by_ids,
    delete_address,
    set_default_address,
    sign_in_verified_email,
    update_address,
    update_customer,
)
from app.domains.customers.service.rules import normalise_email
from app.domains.customers.service.sessions import (
    AuthConfig,
    prune_expired,
    renew,
    request_reset,
    reset_password,
    revoke_sessions,
    sign_in,
    sign_out,
    viewer_from_token,
)
from app.domains.customers.service.staff import (
    create_staff,
    deactivate_staff,
    staff_by_ids,
    update_staff,
)

__all__ = [
    "AuthConfig",
    "create_address",
    "create_customer",
    "create_staff",
    "customer_by_id",
    "customers_by_ids",
    "deactivate_staff",
    "delete_address",
    "normalise_email",
    "prune_expired",
    "renew",
    "request_reset",
    "reset_password",
    "revoke_sessions",
    "set_default_address",
    "sign_in",
    "sign_in_verified_email",
    "sign_out",
    "staff_by_ids",
    "update_address",
    "update_customer",
    "update_staff",
    "viewer_from_token",
]
