"""The customers context: customer accounts and addresses, staff and their permissions,
sign-in sessions and tokens.

Other code uses only what this module exports.
"""

from redis.asyncio import Redis

from app.domains.customers.entities import (
    COUNTRY_CODES,
    MAX_ADDRESSES,
    Address,
    Customer,
    IssuedTokens,
    StaffMember,
)
from app.domains.customers.errors import (
    BadCredentials,
    CustomersError,
    EmailTaken,
    InvalidInput,
    NotFound,
    Throttled,
    TokenInvalid,
)
from app.domains.customers.events import CustomerCreated, PasswordResetRequested
from app.domains.customers.service import *  # noqa: F403
from app.domains.customers.service import __all__ as _service_all
from app.domains.customers.throttle import LoginThrottle
from app.domains.customers.tokens import KeySet
from app.platform.settings import Settings

CONTEXT = "customers"


def login_throttle(redis: Redis, settings: Settings) -> LoginThrottle:
    return LoginThrottle(
        redis,
        settings.login_failures_per_account,
        settings.login_failures_per_ip,
        settings.login_window,
        prefix=f"{settings.queue_prefix}customers:",
    )


def recover_throttle(redis: Redis, settings: Settings) -> LoginThrottle:
    """Password reset requests: at most RECOVER_REQUESTS_PER_ACCOUNT e-mails to one address
    (and LOGIN_FAILURES_PER_IP requests from one IP) per LOGIN_WINDOW."""
    return LoginThrottle(
        redis,
        settings.recover_requests_per_account,
        settings.login_failures_per_ip,
        settings.login_window,
        prefix=f"{settings.queue_prefix}customers:recover:",
    )


__all__ = [
    "CONTEXT",
    "COUNTRY_CODES",
    "MAX_ADDRESSES",
    "Address",
    "BadCredentials",
    "Customer",
    "CustomerCreated",
    "CustomersError",
    "EmailTaken",
    "InvalidInput",
    "IssuedTokens",
    "KeySet",
    "LoginThrottle",
    "NotFound",
    "PasswordResetRequested",
    "StaffMember",
    "Throttled",
    "TokenInvalid",
    "login_throttle",
    "recover_throttle",
    *_service_all,
]
