"""One place that turns failures into GraphQL errors and `userErrors` with stable codes."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from redis.exceptions import RedisError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult

from app.domains import cart, catalog, checkout, customers, inventory, orders, pricing, search
from app.platform import oidc
from app.platform.db import is_data_error
from app.platform.ids import InvalidId
from app.platform.pagination import PaginationError

log = logging.getLogger("emporium.graphql")
# what a value Postgres refused is called: its own wording names internals
_DATA_ERROR_MESSAGE = "A value in the request is out of range or not valid text"
# a service the request needs (Redis: sign-in throttles, started sign-ins) is down; the
# client may retry, and nothing about the failure is its business
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
_UNAVAILABLE_MESSAGE = "A service this request needs is unavailable; try again shortly"
_UNAVAILABLE = (RedisError,)


class ApiError(Exception):
    """An expected failure of a query, reported as a GraphQL error with `extensions.code`."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def bad_input(field: str, message: str, code: str = "BAD_USER_INPUT") -> ApiError:
    return ApiError(code, message, field)


# Expected failures, by type: each carries its stable `code` (and maybe a `field`). A new
# context adds its base error here, imported from its package's public `__init__`.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    ApiError,
    PaginationError,
    InvalidId,
    catalog.CatalogError,
    cart.CartError,
    customers.CustomersError,
    search.SearchError,
    pricing.PricingError,
    inventory.InventoryError,
    orders.OrdersError,
    checkout.CheckoutError,
    # every code of app/platform/oidc.py (OIDC_STATE_INVALID, OIDC_CODE_INVALID,
    # OIDC_TOKEN_INVALID, OIDC_EMAIL_UNVERIFIED, OIDC_PROVIDER_UNAVAILABLE,
    # OIDC_NOT_CONFIGURED, OIDC_REDIRECT_URI_INVALID, SERVICE_UNAVAILABLE)
    oidc.OidcError,
)
# strawberry's own refusals of a request's shape (an unknown operation name, a mutation
# over GET, no query); over HTTP the view answers them, over WebSocket they arrive here
_REQUEST_ERRORS = (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def user_error(exc: Exception, prefix: str | None = None) -> dict[str, Any]:
    """An expected error as a mutation's `userErrors` entry ({field, message, code}): the
    field as a path of the mutation's arguments (`["input", "email"]`), camel-cased."""
    field = getattr(exc, "field", None)
    path = [_camel(p) for p in field.split(".")] if field else None
    if path and prefix and path[0] != prefix:
        path.insert(0, prefix)
    return {"field": path, "message": getattr(exc, "message", str(exc)), "code": exc.code}  # type: ignore[attr-defined]


def error_code(error: GraphQLError) -> str:
    """The error's stable code. Guards and graphql-core's steps set theirs where the error is
    raised (`app/schema/guards.py`); expected exceptions carry theirs; the rest is ours."""
    original = error.original_error
    if isinstance(original, EXPECTED_ERRORS):
        return str(original.code)  # type: ignore[attr-defined]
    code = (error.extensions or {}).get("code")
    if isinstance(code, str) and code:
        return code
    if is_data_error(original) or isinstance(original, _REQUEST_ERRORS):
        return "BAD_USER_INPUT"
    if isinstance(original, _UNAVAILABLE):
        return SERVICE_UNAVAILABLE
    if original is None and error.path is None:
        # a GraphQLError raised on purpose about the request as a whole (its message is
        # written for the client, never an exception's text)
        return "GRAPHQL_VALIDATION_FAILED"
    return "INTERNAL_SERVER_ERROR"


def format_error(error: GraphQLError, request_id: str | None) -> dict[str, Any]:
    """One error as the client sees it, for every transport: the message, its locations and
    path, and `extensions` with the code (and the request id). Unexpected errors are logged
    and answered with a generic message; Postgres's wording never reaches the client."""
    code = error_code(error)
    out: dict[str, Any] = {"message": error.message}
    if code == "BAD_USER_INPUT" and is_data_error(error.original_error):
        # Postgres's own wording names internals; say what the client can act on
        out["message"] = _DATA_ERROR_MESSAGE
    if code == SERVICE_UNAVAILABLE and isinstance(error.original_error, _UNAVAILABLE):
        # the client can act on "try again", not on Redis's wording (it names hosts)
        log.warning(
            "service unavailable in %s (request %s): %s",
            ".".join(str(p) for p in error.path or ()),
            request_id,
            type(error.original_error).__name__,
        )
        out["message"] = _UNAVAILABLE_MESSAGE
    if code == "INTERNAL_SERVER_ERROR":
        # never leak internals; the log has the traceback under the same request id
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(str(p) for p in error.path or ()),
            request_id,
            exc_info=error.original_error,
        )
        out["message"] = f"Internal error (request id {request_id})"
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = error.path
    ext: dict[str, Any] = {**(error.extensions or {}), "code": code}
    field = getattr(error.original_error, "field", None)
    if field:
        ext["field"] = field
    if request_id:
        ext["requestId"] = request_id
    out["extensions"] = ext
    return out


def format_result(result: ExecutionResult, request_id: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"data": result.data}
    if result.errors:
        data["errors"] = [format_error(e, request_id) for e in result.errors]
    if result.extensions:
        data["extensions"] = result.extensions
    return data


@dataclass(frozen=True)
class Problem:
    """One `userErrors` entry: the input path it is about, a message, a stable code."""

    field: tuple[str, ...] | None
    message: str
    code: str


_STEP = re.compile(r"[^.\[\]]+")


def user_errors(
    exc: BaseException, prefix: Sequence[str] = (), rename: Mapping[str, str] | None = None
) -> list[Problem]:
    """An expected failure of a mutation as its `userErrors`, with the same codes
    `error_code` gives (a domain error's field "variants[0].price" is the path
    [*prefix, "variants", "0", "price"]; `rename` maps its first step to the argument's
    name). Anything unexpected is raised again: a bug is not the user's error."""
    if isinstance(exc, EXPECTED_ERRORS):
        code, message = str(exc.code), str(exc.message)  # type: ignore[attr-defined]
        field = getattr(exc, "field", None)
    elif is_data_error(exc):
        code, message, field = "INVALID", _DATA_ERROR_MESSAGE, None
    else:
        raise exc
    path = None
    if field:
        steps = _STEP.findall(field)
        steps[0] = (rename or {}).get(steps[0], steps[0])
        path = (*prefix, *steps)
    return [Problem(path, message, code)]
