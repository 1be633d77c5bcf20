import logging

from graphql import GraphQLError

from app.platform.pagination import PaginationError
from app.resolvers.errors import ApiError, format_error


def test_unexpected_errors_are_generic_and_logged_with_the_request_id(caplog):
    err = GraphQLError(
        "boom: password=hunter2",
        path=["products"],
        original_error=RuntimeError("boom: password=hunter2"),
    )
    with caplog.at_level(logging.ERROR, logger="emporium.graphql"):
        out = format_error(err, "req-123")
    assert out["message"] == "Internal error (request id req-123)"
    assert "hunter2" not in str(out)
    assert out["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert "req-123" in caplog.text and "RuntimeError" in caplog.text


def test_expected_errors_keep_their_message_code_and_field():
    e = PaginationError("INVALID_CURSOR", "after", "`after` is not a valid cursor")
    out = format_error(GraphQLError(str(e), original_error=e), "r")
    assert out["message"] == "`after` is not a valid cursor"
    assert out["extensions"]["code"] == "INVALID_CURSOR" and out["extensions"]["field"] == "after"
    api = ApiError("BAD_USER_INPUT", "pass exactly one", "id")
    assert format_error(GraphQLError(str(api), original_error=api), None)["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "id",
    }


def test_validation_errors_without_an_exception_get_a_code():
    assert format_error(GraphQLError("Cannot query field 'x'"), None)["extensions"]["code"] == (
        "GRAPHQL_VALIDATION_FAILED"
    )
