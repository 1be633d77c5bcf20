"""What a GraphQL request may carry and cost, checked before the work it asks for.

One extension runs every guard, for HTTP and WebSocket alike, in this order:
1. the query's length in characters (comments and all) and the variables' size and
   nesting, before anything is parsed or coerced;
2. parsing with a token limit, through a cache that never keeps a big document (a long
   document is parsed and validated in a worker thread, off the event loop);
3. the operations' shape (depth, aliases, size once fragments are expanded), measured in
   linear time, then graphql-core's validation rules, whose work on repeated fields is
   capped (VALIDATION_WORK); both cached with the document;
4. the cost of the operation to run, with its variables.
Every refusal is a GraphQLError carrying its `extensions.code` from here.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    GraphQLError,
    NameNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Source,
    parse,
    specified_rules,
)
from graphql.language import Lexer, TokenKind
from graphql.validation.rules import overlapping_fields_can_be_merged
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from app.schema.cost import SATURATED, CostModel
from app.schema.shape import shape_errors

# graphql-core meters the work of comparing fields of the same name (OverlappingFields
# CanBeMerged), 500,000 units by default: 0.3-0.5 s of a blocked loop for `{ __typename`
# repeated a thousand times. Real queries spend nothing there; 100 copies of one field
# spend 9,900. Past the budget, validation stops with "Validation aborted."
VALIDATION_WORK = 50_000

if TYPE_CHECKING:
    from app.platform.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """The guards' limits; `from_settings` maps each to its setting."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    max_query_length: int = 100_000
    max_expanded_fields: int = 5_000
    max_cost: int = 50_000
    max_variable_values: int = 5_000
    max_variable_depth: int = 10
    cache_size: int = 512
    cache_max_query_length: int = 10_000
    cache_chars: int = 500_000
    introspection: bool = True  # off in production

    @classmethod
    def from_settings(cls, s: Settings) -> Limits:
        return cls(
            max_depth=s.max_query_depth,
            max_aliases=s.max_aliases,
            max_tokens=s.max_tokens,
            max_query_length=s.max_query_length,
            max_expanded_fields=s.max_expanded_fields,
            max_cost=s.max_query_cost,
            max_variable_values=s.max_variable_values,
            max_variable_depth=s.max_variable_depth,
            cache_size=s.parser_cache_size,
            cache_max_query_length=s.parser_cache_max_query_length,
            cache_chars=s.parser_cache_chars,
            introspection=s.environment != "production",
        )


def refusal(code: str, message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def tag(error: GraphQLError, code: str) -> GraphQLError:
    """Give an error from graphql-core (which has no codes) the code of the step that raised it."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


def variables_refusal(variables: object, max_values: int, max_depth: int) -> GraphQLError | None:
    """Variables holding more than `max_values` values (objects, lists and scalars all count)
    or nested deeper than `max_depth`, found in at most `max_values` steps: a request is
    refused before its variables are coerced, never after."""
    if variables is None:
        return None
    if not isinstance(variables, dict):
        return refusal("BAD_USER_INPUT", "`variables` must be a JSON object")
    count = 0
    stack: list[tuple[object, int]] = [(variables, 1)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if not children:
            continue
        if depth >= max_depth:
            return refusal(
                "VARIABLES_TOO_LARGE", f"The variables are nested more than {max_depth} deep"
            )
        # a list's length is known before any of it is walked
        if count + len(stack) + len(children) > max_values:
            return refusal(
                "VARIABLES_TOO_LARGE", f"The variables hold more than {max_values} values"
            )
        stack.extend((c, depth + 1) for c in children)
    return None


def token_count(query: str, limit: int) -> int:
    """Tokens in `query`, comments included; counting stops past `limit`."""
    lexer = Lexer(Source(query))
    count = 0
    token = lexer.token
    try:
        # one token at a time: the lexer's own advance() reads a whole run of comments
        while count <= limit:
            token = lexer.read_next_token(token.end)
            if token.kind is TokenKind.EOF:
                break
            count += 1
    except GraphQLError:
        pass  # a lexical error: what was read so far is the count
    return count


@dataclass
class _Entry:
    document: DocumentNode
    errors: list[GraphQLError] | None = None  # None until validated


class DocumentCache:
    """Parsed (and validated) documents by query text, least recently used first out.

    A parsed document takes 50 to 200 bytes per character of its query, so the cache keeps
    only queries up to `max_query_length` characters and at most `max_chars` in total."""

    def __init__(self, max_entries: int, max_query_length: int, max_chars: int) -> None:
        self.max_entries = max_entries
        self.max_query_length = max_query_length
        self.max_chars = max_chars
        self.chars = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> _Entry | None:
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
        return entry

    def put(self, query: str, entry: _Entry) -> None:
        if self.max_entries == 0 or len(query) > self.max_query_length or query in self._entries:
            return
        self._entries[query] = entry
        self.chars += len(query)
        while len(self._entries) > self.max_entries or self.chars > self.max_chars:
            old, _ = self._entries.popitem(last=False)
            self.chars -= len(old)


class Guards:
    """The limits and what they share across requests: validation rules, cache, cost model."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.rules: tuple[type[ASTValidationRule], ...] = tuple(specified_rules)
        if not limits.introspection:
            self.rules += (NoSchemaIntrospectionCustomRule,)
        # the library reads this module attribute when a validation starts (its documented
        # way to set the budget)
        overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = VALIDATION_WORK
        self.cache = DocumentCache(
            limits.cache_size, limits.cache_max_query_length, limits.cache_chars
        )
        self.cost_model: CostModel | None = None  # set once the schema exists

    def precheck(self, query: object, variables: object) -> GraphQLError | None:
        """What is refused before parsing: the query's type and length, the variables' size."""
        lim = self.limits
        if not isinstance(query, str):
            # HTTP's view checks this; a WebSocket payload reaches here as sent
            return refusal("BAD_USER_INPUT", "`query` must be a string")
        if len(query) > lim.max_query_length:
            return refusal(
                "QUERY_TOO_LARGE",
                f"The query is {len(query)} characters long; at most {lim.max_query_length}",
            )
        return variables_refusal(variables, lim.max_variable_values, lim.max_variable_depth)

    def parse(self, query: str) -> _Entry | GraphQLError:
        """The parsed document, or why not (thread-safe: touches nothing shared)."""
        lim = self.limits
        try:
            return _Entry(parse(query, max_tokens=lim.max_tokens))
        except GraphQLError as exc:
            if token_count(query, lim.max_tokens) > lim.max_tokens:
                return refusal(
                    "QUERY_TOO_LARGE",
                    f"The query has more than {lim.max_tokens} tokens (comments included)",
                )
            return tag(exc, "GRAPHQL_PARSE_FAILED")

    def check(self, schema: Any, document: DocumentNode) -> list[GraphQLError]:
        """The document's validation errors (thread-safe: touches nothing shared)."""
        lim = self.limits
        # the shape first: linear, and a document it refuses is not worth validating
        errors = shape_errors(
            document,
            max_depth=lim.max_depth,
            max_aliases=lim.max_aliases,
            max_fields=lim.max_expanded_fields,
        ) or validate_document(schema, document, self.rules)
        return [tag(e, "GRAPHQL_VALIDATION_FAILED") for e in errors]

    def cost_refusal(
        self, document: DocumentNode, operation_name: str | None, variables: Any
    ) -> GraphQLError | None:
        return self.costed(document, operation_name, variables)[1]

    def costed(
        self, document: DocumentNode, operation_name: str | None, variables: Any
    ) -> tuple[int, GraphQLError | None]:
        """The operation's static cost, and the refusal if it is over the limit."""
        assert self.cost_model is not None
        max_cost = self.limits.max_cost
        cost = self.cost_model.cost(
            document,
            operation_name,
            variables if isinstance(variables, Mapping) else None,
            limit=max_cost,
        )
        if cost <= max_cost:
            return cost, None
        # costing stops early past the limit (SATURATED): no exact figure to give then
        figure = f"Query cost {cost}" if cost < SATURATED else "The query's cost"
        return cost, refusal(
            "QUERY_TOO_COSTLY",
            f"{figure} exceeds the maximum cost of {max_cost}; "
            "ask for fewer items per page or fewer nested lists",
            cost=cost,
            maxCost=max_cost,
        )


@dataclass(frozen=True, slots=True)
class Operation:
    """What the front door needs to know of the operation to run."""

    kind: OperationType
    root_fields: frozenset[str]
    only_fields: bool  # the root selection is plain fields (no fragments)


def operation_of(document: DocumentNode, operation_name: str | None) -> Operation | None:
    """The operation that runs (None if the name picks none); graphql-core reports that."""
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        ops = [o for o in ops if o.name is not None and o.name.value == operation_name]
    if len(ops) != 1:
        return None
    selections = ops[0].selection_set.selections
    fields = frozenset(s.name.value for s in selections if isinstance(s, FieldNode))
    return Operation(
        ops[0].operation,
        fields,
        len(fields) > 0 and all(isinstance(s, FieldNode) for s in selections),
    )


def _stand_in(operation_name: str | None) -> DocumentNode:
    """A one-field query standing in for a refused request, so strawberry's pipeline goes on
    to answer our refusal (for HTTP and WebSocket alike) without parsing what we refused."""
    return DocumentNode(
        definitions=(
            OperationDefinitionNode(
                operation=OperationType.QUERY,
                name=NameNode(value=operation_name) if operation_name else None,
                variable_definitions=(),
                directives=(),
                selection_set=SelectionSetNode(
                    selections=(
                        FieldNode(name=NameNode(value="__typename"), arguments=(), directives=()),
                    )
                ),
            ),
        )
    )


# Parsing and validating a document of thousands of tokens takes tens of milliseconds of
# CPU; past this length it runs in a worker thread, so the loop keeps serving others.
OFF_LOOP_LENGTH = 2_000


async def _off_the_loop(size: int, fn: Callable[..., T], *args: Any) -> T:
    if size > OFF_LOOP_LENGTH:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)


class GuardExtension(SchemaExtension):
    """Runs the guards for one request (a new instance per request; `Guards` is shared)."""

    def __init__(self, guards: Guards) -> None:
        self.guards = guards
        self._entry: _Entry | None = None
        self._admission: Any = None  # app.platform.frontdoor.Admission

    async def on_parse(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        query = ctx.query
        if ctx.graphql_document is None and query is not None:
            got = self.guards.precheck(query, ctx.variables) or self.guards.cache.get(query)
            if got is None:
                assert isinstance(query, str)  # precheck refuses anything else
                got = await _off_the_loop(len(query), self.guards.parse, query)
                if isinstance(got, _Entry):
                    self.guards.cache.put(query, got)
            if isinstance(got, GraphQLError):
                ctx.graphql_document = _stand_in(ctx.operation_name)
                ctx.pre_execution_errors = [got]
            else:
                self._entry = got
                ctx.graphql_document = got.document
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if ctx.pre_execution_errors is None and document is not None:
            entry = self._entry or _Entry(document)
            if entry.errors is None:
                size = len(ctx.query) if isinstance(ctx.query, str) else 0
                entry.errors = await _off_the_loop(
                    size, self.guards.check, ctx.schema._schema, document
                )
            errors = list(entry.errors)
            if not errors:
                cost, too_costly = self.guards.costed(document, ctx.operation_name, ctx.variables)
                errors = [too_costly] if too_costly else []
                if not errors:
                    throttled = await self._admit(document, cost)
                    errors = [throttled] if throttled else []
            # a list (even empty) tells strawberry validation is done
            ctx.pre_execution_errors = errors
        yield

    async def _admit(self, document: DocumentNode, cost: int) -> GraphQLError | None:
        """The front door's part: what the operation is (for the response cache) and its
        spend from the client's budgets (app/platform/frontdoor.py); a refusal if over."""
        context = self.execution_context.context
        door = getattr(getattr(context, "runtime", None), "extra", {}).get("frontdoor")
        if door is None:
            return None
        operation = operation_of(document, self.execution_context.operation_name)
        self._admission = await door.admit(context, operation, cost)
        return self._admission.refusal

    def get_results(self) -> dict[str, Any]:
        admission = self._admission
        return {"cost": admission.cost_extension()} if admission is not None else {}

    def on_execute(self) -> Iterator[None]:
        yield
        # errors without a path come from graphql-core's coercion of the variables (or from
        # picking the operation), before any resolver: the request is wrong
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or ():
            if error.path is None:
                tag(error, "BAD_USER_INPUT")
