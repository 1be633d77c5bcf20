"""GraphiQL's first screen tells a merchant how to sign in, and the operation it shows is
one the schema accepts."""

from __future__ import annotations

from graphql import parse, validate

from app.graphiql import EXAMPLE_QUERY as WELCOME
from app.graphiql import graphiql_html
from app.schema import build_schema


def test_the_welcome_says_how_to_sign_in_and_validates():
    html = graphiql_html()
    assert "Welcome to GraphiQL" not in html and "staffAccessTokenCreate" in html
    assert '{"Authorization": "Bearer <accessToken>"}' in WELCOME
    assert not validate(build_schema()._schema, parse(WELCOME))
    for line in WELCOME.splitlines():
        if line.startswith("#   1.") or line.startswith("#   3."):
            operation = line.split(". ", 1)[1]
            if operation.startswith("mutation"):
                operation += "\n" + next(
                    x for x in WELCOME.splitlines() if "staffAccessToken {" in x
                ).lstrip("# ")
            assert not validate(build_schema()._schema, parse(operation)), operation
