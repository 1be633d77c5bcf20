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


def test_every_expected_error_is_mapped_by_its_type():
    """Issue 12 #7: a catalog error answered INTERNAL_SERVER_ERROR."""
    from app.domains import catalog
    from app.platform.ids import InvalidId

    for exc, code in (
        (catalog.CatalogError("nope", "title"), "CATALOG_ERROR"),
        (catalog.InvalidProductData("bad price", "variants[0].price"), "INVALID"),
        (catalog.DuplicateSku("twice"), "DUPLICATE_SKU"),
        (InvalidId("bad id"), "INVALID_ID"),
    ):
        out = format_error(GraphQLError(str(exc), path=["x"], original_error=exc), None)
        assert out["extensions"]["code"] == code and out["message"] == str(exc)


def test_codes_set_at_the_source_are_read_not_guessed():
    err = GraphQLError("whatever the words", extensions={"code": "QUERY_TOO_COSTLY", "cost": 9})
    assert format_error(err, None)["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 9}
    # the old message matching would have called this one costly
    plain = GraphQLError("x exceeds the maximum cost", path=["products"], original_error=KeyError())
    assert format_error(plain, None)["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


def test_an_unexpected_error_before_any_resolver_is_masked_too():
    err = GraphQLError(
        "relation catalog.products: SELECT secret", original_error=RuntimeError("SELECT")
    )
    out = format_error(err, "rid")
    assert out["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and "SELECT" not in out["message"]


def test_a_postgres_data_error_is_the_clients_without_its_wording():
    class Orig(Exception):
        sqlstate = "22021"  # invalid byte sequence (a NUL in text)

    class DBAPIError(Exception):
        orig = Orig("invalid byte sequence for encoding UTF8: 0x00 in SELECT ... FROM catalog")

    exc = DBAPIError("(sqlalchemy) SELECT catalog.products ... [parameters: ('a\\x00b',)]")
    out = format_error(GraphQLError(str(exc), path=["product"], original_error=exc), "rid")
    assert out["extensions"]["code"] == "BAD_USER_INPUT"
    assert "SELECT" not in out["message"] and "catalog" not in out["message"]


def test_every_oidc_failure_keeps_its_code_and_is_never_an_internal_error():
    from app.platform.oidc import CODES, OidcError

    assert "OIDC_TOKEN_INVALID" in CODES
    for code in CODES:
        e = OidcError(code, "the sign-in cannot go on")
        out = format_error(GraphQLError(str(e), path=["m"], original_error=e), "r")
        assert out["extensions"]["code"] == code
        assert out["message"] == "the sign-in cannot go on"


def test_redis_down_is_service_unavailable_with_a_generic_message(caplog):
    from redis.exceptions import ConnectionError as RedisConnectionError

    e = RedisConnectionError("Error 111 connecting to 10.0.0.7:6379. Connection refused.")
    with caplog.at_level(logging.WARNING, logger="emporium.graphql"):
        out = format_error(GraphQLError(str(e), path=["signIn"], original_error=e), "req-9")
    assert out["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "10.0.0.7" not in out["message"] and "unavailable" in out["message"]
    assert "req-9" in caplog.text and "ConnectionError" in caplog.text
