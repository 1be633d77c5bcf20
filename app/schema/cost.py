"""A static cost limit: what a query could return, bounded before it runs.

Depth alone lets `products(first: 100) { nodes { variants { nodes { product { variants …`
ask for millions of objects within a dozen levels. Each selected field costs one per
object it may be resolved on; a field with `first`/`last` (or `ids`) multiplies what is
under its `edges`/`nodes` by that many (100 when a connection is not told, its maximum).
Variables are known here, so `first: $n` is charged as sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

UNBOUNDED_PAGE = 100
_PAGED_CHILDREN = ("edges", "nodes")


def query_cost(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> int:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    op = next(
        (o for o in ops if o.name and o.name.value == operation_name), ops[0] if ops else None
    )
    if op is None:
        return 0
    return _cost(op.selection_set, 1, None, fragments, variables or {}, frozenset())


def _fields(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str],
) -> Iterator[FieldNode]:
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            yield sel
        elif isinstance(sel, InlineFragmentNode):
            yield from _fields(sel.selection_set, fragments, seen)
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
            frag = fragments.get(sel.name.value)
            if frag is not None:
                yield from _fields(frag.selection_set, fragments, seen | {sel.name.value})


def _cost(
    selection_set: SelectionSetNode,
    multiplier: int,
    page: int | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    seen: frozenset[str],
) -> int:
    """Cost of a selection resolved `multiplier` times; its `edges`/`nodes` hold `page` items."""
    total = 0
    for field in _fields(selection_set, fragments, seen):
        name = field.name.value
        if name.startswith("__"):
            continue
        times = multiplier * page if page is not None and name in _PAGED_CHILDREN else multiplier
        total += times
        if field.selection_set is not None:
            total += _cost(
                field.selection_set, times, _page_size(field, variables), fragments, variables, seen
            )
    return total


def _page_size(field: FieldNode, variables: Mapping[str, Any]) -> int:
    """How many items the field's `edges`/`nodes` may hold."""
    args = {a.name.value: a.value for a in field.arguments or ()}
    for name in ("first", "last"):
        if name in args:
            value = _value(args[name], variables)
            # a bad value is refused by the resolver; cost it as the most it could be
            return (
                value if isinstance(value, int) and 0 <= value <= UNBOUNDED_PAGE else UNBOUNDED_PAGE
            )
    if "ids" in args:
        ids = args["ids"]
        if isinstance(ids, ListValueNode):
            return len(ids.values)
        value = _value(ids, variables)
        return len(value) if isinstance(value, list) else UNBOUNDED_PAGE
    return UNBOUNDED_PAGE


def _value(node: ValueNode, variables: Mapping[str, Any]) -> Any:
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    return value_from_ast_untyped(node)


class QueryCostLimiter(SchemaExtension):
    """Refuses, before execution, an operation whose cost exceeds `max_cost`.

    Listed after the validation cache: it costs only documents that validated."""

    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.pre_execution_errors == [] and ctx.graphql_document is not None:
            cost = query_cost(ctx.graphql_document, ctx.operation_name, ctx.variables)
            if cost > self.max_cost:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        f"Query cost {cost} exceeds the maximum cost of {self.max_cost}; "
                        "ask for fewer items per page or fewer nested lists",
                        extensions={"cost": cost, "maxCost": self.max_cost},
                    )
                ]
        yield
