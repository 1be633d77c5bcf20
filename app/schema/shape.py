"""How big an operation is once its fragments are expanded, measured in linear time.

A 562-byte document of fragments that each spread the next eight times stands for 8^7
fields. Walking that expansion is what froze the server; here each fragment is measured
once, after the fragments it spreads, and its measure is added at every spread. The work
is the size of the document, whatever it expands to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# Counts saturate here: the verdict is the same and the arithmetic stays small.
SATURATED = 2**53 - 1


@dataclass(frozen=True, slots=True)
class Shape:
    """An operation's size once expanded."""

    fields: int  # every selected field, `__typename` and introspection included
    aliases: int  # aliased fields
    depth: int  # nested selection sets below the root; introspection does not count


_EMPTY = Shape(0, 0, 0)


def operation_shapes(document: DocumentNode) -> list[tuple[OperationDefinitionNode, Shape]]:
    """Each operation of the document with its expanded shape."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measured: dict[str, Shape] = {}
    for name in _dependency_order(fragments):
        measured[name] = _measure(fragments[name].selection_set, measured)
    return [
        (op, _measure(op.selection_set, measured))
        for op in document.definitions
        if isinstance(op, OperationDefinitionNode)
    ]


def _measure(selection_set: SelectionSetNode, measured: Mapping[str, Shape]) -> Shape:
    # recursion follows the document's own nesting, which the parser bounds (200 levels)
    fields = aliases = depth = 0
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            fields += 1
            aliases += sel.alias is not None
            if sel.selection_set is None:
                continue
            inner = _measure(sel.selection_set, measured)
            if not sel.name.value.startswith("__"):
                depth = max(depth, inner.depth + 1)
        elif isinstance(sel, InlineFragmentNode):
            inner = _measure(sel.selection_set, measured)
            depth = max(depth, inner.depth)
        elif isinstance(sel, FragmentSpreadNode):
            # unknown or cyclic (not measured yet): validation refuses the document anyway
            inner = measured.get(sel.name.value, _EMPTY)
            depth = max(depth, inner.depth)
        else:  # pragma: no cover - graphql-core has no other selection
            continue
        fields += inner.fields
        aliases += inner.aliases
    return Shape(min(fields, SATURATED), min(aliases, SATURATED), depth)


def _spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    for sel in selection_set.selections:
        if isinstance(sel, FragmentSpreadNode):
            yield sel.name.value
        elif sel.selection_set is not None:  # type: ignore[attr-defined]
            yield from _spreads(sel.selection_set)  # type: ignore[attr-defined]


def _dependency_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Fragment names, each after every fragment it spreads (a cycle is cut anywhere).
    Iterative: a chain of hundreds of fragments must not exhaust the Python stack."""
    order: list[str] = []
    seen: set[str] = set()
    for root in fragments:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(list(_spreads(fragments[root].selection_set))))]
        while stack:
            name, pending = stack[-1]
            nxt = next((s for s in pending if s in fragments and s not in seen), None)
            if nxt is None:
                stack.pop()
                order.append(name)
            else:
                seen.add(nxt)
                stack.append((nxt, iter(list(_spreads(fragments[nxt].selection_set)))))
    return order


def shape_errors(
    document: DocumentNode, *, max_depth: int, max_aliases: int, max_fields: int
) -> list[GraphQLError]:
    """Each operation too large once expanded, too deep or too aliased, with its code."""
    errors = []
    for op, shape in operation_shapes(document):
        name = f"'{op.name.value}'" if op.name else "The operation"
        if shape.fields > max_fields:
            message = (
                f"{name} selects more than {max_fields} fields once its fragments are expanded"
            )
            errors.append(_refusal("QUERY_TOO_LARGE", message, op))
        if shape.depth > max_depth:
            message = f"{name} exceeds maximum operation depth of {max_depth}"
            errors.append(_refusal("QUERY_TOO_DEEP", message, op))
        if shape.aliases > max_aliases:
            message = f"{name} has {shape.aliases} aliases once expanded; at most {max_aliases}"
            errors.append(_refusal("TOO_MANY_ALIASES", message, op))
    return errors


def _refusal(code: str, message: str, op: OperationDefinitionNode) -> GraphQLError:
    return GraphQLError(message, op, extensions={"code": code})
