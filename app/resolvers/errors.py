"""One place that turns failures into GraphQL errors and `userErrors` with stable codes."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult

from app.domains.search import SearchError
from app.platform.db import is_data_error
from app.platform.ids import InvalidId
from app.platform.pagination import PaginationError

log = logging.getLogger("emporium.graphql")


class ApiError(Exception):
    """An expected failure of a query, reported as a GraphQL error with `extensions.code`."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def bad_input(field: str, message: str, code: str = "BAD_USER_INPUT") -> ApiError:
    return ApiError(code, message, field)


# Validation failures that graphql-core/strawberry raise without a code, by message.
_VALIDATION_CODES = (
    ("exceeds maximum operation depth", "QUERY_TOO_DEEP"),
    ("aliases found", "TOO_MANY_ALIASES"),
    ("Document contains more than", "QUERY_TOO_LARGE"),
    ("exceeds the maximum cost", "QUERY_TOO_COSTLY"),
    ("Syntax Error", "GRAPHQL_PARSE_FAILED"),
)

_EXPECTED = (ApiError, PaginationError, InvalidId, SearchError)


def error_code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, _EXPECTED):
        return str(original.code)
    if error.path is None:
        # raised before any resolver ran: the request itself is wrong, not the server
        for needle, code in _VALIDATION_CODES:
            if needle in error.message:
                return code
        if error.message.startswith("Variable '$"):
            return "BAD_USER_INPUT"
        return "GRAPHQL_VALIDATION_FAILED"
    if is_data_error(original):
        return "BAD_USER_INPUT"
    return "INTERNAL_SERVER_ERROR"


def format_error(error: GraphQLError, request_id: str | None) -> dict[str, Any]:
    code = error_code(error)
    out: dict[str, Any] = {"message": error.message}
    if code == "BAD_USER_INPUT" and is_data_error(error.original_error):
        # Postgres's own wording names internals; say what the client can act on
        out["message"] = "A value in the request is out of range or not valid text"
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
