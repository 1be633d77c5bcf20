"""Plans: an operation's selection set compiled once into a tree, then run level by level.

`compile_operation` turns a validated query operation into a `Sel` tree. Fragments and
inline fragments are expanded for each concrete type (an abstract field, `node`, gets one
tree per runtime type, compiled when first met); `@skip`/`@include` become conditions on
each occurrence of a field, inherited by everything below it, evaluated against the
request's variables. Fields of the same response key merge as graphql-core merges them,
keys ordered by their first included occurrence.

`run` executes a `Sel` over a list of parent objects: every field's values for all the
parents at once (a batched field is one `load_many`; sibling loads run concurrently), then
each object-valued field's children as one list, down the tree. The answer is plain dicts.
Anything unexpected raises `Fallback` (or any exception): the caller then lets the
standard executor answer, so an error is always strawberry's own.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.values import get_argument_values
from strawberry.types.arguments import convert_arguments

from app.planner.declare import Batched, Computed, Each, declaration


class Fallback(Exception):
    """The planner cannot answer this operation: the standard executor will."""


# (wanted, source): the occurrence is included when the variable (str) or literal (bool)
# equals `wanted`; every condition of an occurrence must hold
Cond = tuple[tuple[bool, str | bool], ...]


@dataclass(slots=True)
class Occ:
    node: FieldNode
    conds: Cond
    pos: int


@dataclass(slots=True)
class FieldPlan:
    key: str
    occs: list[Occ]
    conditional: bool
    gql: GraphQLField | None  # None for __typename
    sfield: Any
    fetch: str  # "typename", "attr", "computed", "batched", "each"
    getter: Any
    nonnull: bool
    is_list: bool
    item_nonnull: bool
    serialize: Callable[[Any], Any] | None  # leaves
    child: Sel | None = None  # concrete object types
    abstract: AbstractChild | None = None  # interfaces and unions
    has_args: bool = False


@dataclass(slots=True)
class Sel:
    type_name: str
    fields: list[FieldPlan]
    conditional: bool


@dataclass(slots=True)
class AbstractChild:
    """Per runtime type selection trees, compiled when the type is first met."""

    compiler: Compiler
    items: list[tuple[SelectionSetNode, Cond]]
    by_type: dict[str, Sel] = field(default_factory=dict)

    def sel(self, type_name: str) -> Sel:
        found = self.by_type.get(type_name)
        if found is None:
            t = self.compiler.schema.get_type(type_name)
            if not is_object_type(t):
                raise Fallback(f"unknown runtime type {type_name}")
            found = self.by_type[type_name] = self.compiler.sel(t, self.items)
        return found


@dataclass(slots=True)
class Plan:
    operation: OperationDefinitionNode
    root: Sel


def _leaf_serializer(t: Any) -> Callable[[Any], Any]:
    slow = t.serialize

    def checked(v: Any) -> Any:
        out = slow(v)
        if out is None or out is Undefined:
            raise Fallback(f"{t.name} cannot serialise {v!r}")
        return out

    if t is GraphQLString or t is GraphQLID:
        return lambda v: v if type(v) is str else checked(v)
    if t is GraphQLBoolean:
        return lambda v: v if type(v) is bool else checked(v)
    if t is GraphQLInt:
        return lambda v: v if type(v) is int and -(2**31) <= v < 2**31 else checked(v)
    if t is GraphQLFloat:
        return lambda v: v if type(v) is float and math.isfinite(v) else checked(v)
    return checked


def _conds(directives: tuple[DirectiveNode, ...] | None) -> Cond:
    out: list[tuple[bool, str | bool]] = []
    for d in directives or ():
        name = d.name.value
        args = d.arguments or ()
        if name not in ("skip", "include") or len(args) != 1:
            raise Fallback(f"directive @{name}")
        value = args[0].value
        if isinstance(value, VariableNode):
            source: str | bool = value.name.value
        elif isinstance(value, BooleanValueNode):
            source = value.value
        else:
            raise Fallback(f"@{name} argument")
        out.append((name == "include", source))
    return tuple(out)


class Compiler:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments

    def _matches(self, condition: Any, t: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        cond_type = self.schema.get_type(condition.name.value)
        if cond_type is t:
            return True
        return is_abstract_type(cond_type) and self.schema.is_sub_type(cond_type, t)  # type: ignore[arg-type]

    def _collect(
        self,
        selection_set: SelectionSetNode,
        conds: Cond,
        t: GraphQLObjectType,
        out: dict[str, list[Occ]],
        counter: Iterator[int],
    ) -> None:
        for s in selection_set.selections:
            c = conds + _conds(s.directives)
            if isinstance(s, FieldNode):
                key = s.alias.value if s.alias else s.name.value
                out.setdefault(key, []).append(Occ(s, c, next(counter)))
            elif isinstance(s, InlineFragmentNode):
                if self._matches(s.type_condition, t):
                    self._collect(s.selection_set, c, t, out, counter)
            elif isinstance(s, FragmentSpreadNode):
                frag = self.fragments.get(s.name.value)
                if frag is None:
                    raise Fallback(f"unknown fragment {s.name.value}")
                if self._matches(frag.type_condition, t):
                    self._collect(frag.selection_set, c, t, out, counter)
            else:  # pragma: no cover
                raise Fallback("unknown selection")

    def sel(self, t: GraphQLObjectType, items: list[tuple[SelectionSetNode, Cond]]) -> Sel:
        collected: dict[str, list[Occ]] = {}
        counter = itertools.count()
        for selection_set, conds in items:
            self._collect(selection_set, conds, t, collected, counter)
        fields = [self._field(t, key, occs) for key, occs in collected.items()]
        return Sel(t.name, fields, any(f.conditional for f in fields))

    def _field(self, t: GraphQLObjectType, key: str, occs: list[Occ]) -> FieldPlan:
        name = occs[0].node.name.value
        conditional = any(o.conds for o in occs)
        if name == "__typename":
            return FieldPlan(key, occs, conditional, None, None, "typename", t.name,
                             True, False, False, None)  # fmt: skip
        if name.startswith("__"):
            raise Fallback(f"introspection field {name}")
        gql = t.fields.get(name)
        if gql is None:
            raise Fallback(f"unknown field {t.name}.{name}")
        sfield = (gql.extensions or {}).get("strawberry-definition")
        if sfield is None:
            raise Fallback(f"{t.name}.{name} is not a strawberry field")
        if sfield.extensions or getattr(sfield, "permission_classes", None):
            raise Fallback(f"{t.name}.{name} has field extensions")
        getter: Any
        if sfield.base_resolver is None:
            fetch, getter = "attr", attrgetter(sfield.python_name)
        else:
            decl = declaration(sfield.origin, sfield.python_name)
            if decl is None:
                raise Fallback(f"{t.name}.{name} is not declared for the planner")
            fetch = {Computed: "computed", Batched: "batched", Each: "each"}[type(decl)]
            getter = decl
        out_type: Any = gql.type
        nonnull = is_non_null_type(out_type)
        if nonnull:
            out_type = out_type.of_type
        is_list = is_list_type(out_type)
        item_nonnull = False
        if is_list:
            out_type = out_type.of_type
            item_nonnull = is_non_null_type(out_type)
            if item_nonnull:
                out_type = out_type.of_type
            if isinstance(out_type, GraphQLList | GraphQLNonNull):
                raise Fallback(f"{t.name}.{name}: nested lists")
        plan = FieldPlan(key, occs, conditional, gql, sfield, fetch, getter, nonnull, is_list,
                         item_nonnull, None, has_args=bool(gql.args))  # fmt: skip
        items = [(o.node.selection_set, o.conds) for o in occs if o.node.selection_set]
        if is_leaf_type(out_type):
            plan.serialize = _leaf_serializer(out_type)
        elif is_object_type(out_type):
            plan.child = self.sel(out_type, items)
        elif is_abstract_type(out_type):
            plan.abstract = AbstractChild(self, items)
        else:  # pragma: no cover
            raise Fallback(f"{t.name}.{name}: unknown output type")
        return plan


def compile_operation(
    schema: GraphQLSchema, document: Any, operation: OperationDefinitionNode
) -> Plan:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root_type = schema.query_type
    if root_type is None:  # pragma: no cover
        raise Fallback("no query type")
    compiler = Compiler(schema, fragments)
    return Plan(
        operation,
        compiler.sel(root_type, [(operation.selection_set, _conds(operation.directives))]),
    )


# --- running ------------------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    values: Any  # graphql-core's VariableValues (coerced, with their sources)
    variables: dict[str, Any]  # the coerced values
    context: Any
    scalar_registry: Any
    config: Any

    def holds(self, conds: Cond) -> bool:
        for wanted, source in conds:
            if isinstance(source, str):
                if source not in self.variables:
                    raise Fallback(f"directive variable ${source} has no value")
                value = self.variables[source]
                if not isinstance(value, bool):
                    raise Fallback(f"directive variable ${source} is not a boolean")
            else:
                value = source
            if value is not wanted:
                return False
        return True

    def active(self, sel: Sel) -> list[tuple[FieldPlan, FieldNode]]:
        if not sel.conditional:
            return [(f, f.occs[0].node) for f in sel.fields]
        found: list[tuple[int, FieldPlan, FieldNode]] = []
        for f in sel.fields:
            for o in f.occs:
                if self.holds(o.conds):
                    found.append((o.pos, f, o.node))
                    break
        found.sort(key=lambda x: x[0])
        return [(f, node) for _, f, node in found]

    def kwargs(self, f: FieldPlan, node: FieldNode) -> dict[str, Any]:
        if not f.has_args:
            return {}
        raw = get_argument_values(f.gql, node, self.values)  # type: ignore[arg-type]
        return convert_arguments(raw, f.sfield.arguments, self.scalar_registry, self.config)


async def run(sel: Sel, objs: list[Any], r: Run) -> list[dict[str, Any]]:
    """The response dicts of `objs`, all of `sel`'s concrete type."""
    active = r.active(sel)
    values: list[list[Any] | None] = [None] * len(active)
    pending: list[tuple[int, Any]] = []
    ctx = r.context
    for i, (f, node) in enumerate(active):
        fetch = f.fetch
        if fetch == "attr":
            g = f.getter
            values[i] = [g(o) for o in objs]
        elif fetch == "typename":
            values[i] = [f.getter] * len(objs)
        elif fetch == "computed":
            kw = r.kwargs(f, node)
            fn = f.getter.fn
            values[i] = [fn(o, kw, ctx) for o in objs]
        elif fetch == "batched":
            pending.append((i, _batched(f.getter, objs, r.kwargs(f, node), ctx)))
        else:
            kw = r.kwargs(f, node)
            fn = f.getter.fn
            pending.append((i, asyncio.gather(*(fn(o, kw, ctx) for o in objs))))
    if pending:
        if len(pending) == 1:
            done = [await pending[0][1]]
        else:
            done = await asyncio.gather(*(p for _, p in pending))
        for (i, _), got in zip(pending, done, strict=True):
            values[i] = list(got)
    out: list[dict[str, Any]] = [{} for _ in objs]
    nested: list[tuple[str, Any]] = []
    for (f, _), vals in zip(active, values, strict=True):
        assert vals is not None
        key = f.key
        if f.serialize is not None or f.fetch == "typename":
            ser = f.serialize
            if f.is_list:
                for d, v in zip(out, vals, strict=True):
                    d[key] = _leaf_list(f, v)
            elif ser is None:
                for d, v in zip(out, vals, strict=True):
                    d[key] = v
            else:
                for d, v in zip(out, vals, strict=True):
                    if v is None:
                        if f.nonnull:
                            raise Fallback(f"null for non-null {key}")
                        d[key] = None
                    else:
                        d[key] = ser(v)
        else:
            nested.append((key, (f, vals)))
            for d in out:
                d[key] = None  # keeps the key's place; filled below
    if nested:
        # coroutines made only now: a Fallback above leaves none un-awaited
        if len(nested) == 1:
            only, only_vals = nested[0][1]
            filled = [await _complete(only, only_vals, r)]
        else:
            filled = await asyncio.gather(*(_complete(f, vals, r) for _, (f, vals) in nested))
        for (key, _), column in zip(nested, filled, strict=True):
            for d, v in zip(out, column, strict=True):
                d[key] = v
    return out


def _leaf_list(f: FieldPlan, v: Any) -> Any:
    if v is None:
        if f.nonnull:
            raise Fallback(f"null for non-null {f.key}")
        return None
    ser = f.serialize
    assert ser is not None
    out: list[Any] = []
    for item in v:
        if item is None:
            if f.item_nonnull:
                raise Fallback(f"null item in {f.key}")
            out.append(None)
        else:
            out.append(ser(item))
    return out


async def _batched(decl: Batched, objs: list[Any], kw: dict[str, Any], ctx: Any) -> list[Any]:
    keys = [decl.key(o) for o in objs]
    wanted = [k for k in keys if k is not None]
    loaded = iter(await decl.source(ctx).load_many(wanted) if wanted else ())
    build = decl.build
    return [
        build(o, None if k is None else next(loaded), kw, ctx)
        for o, k in zip(objs, keys, strict=True)
    ]


async def _children(f: FieldPlan, items: list[Any], r: Run) -> list[dict[str, Any]]:
    if f.child is not None:
        return await run(f.child, items, r) if items else []
    assert f.abstract is not None
    groups: dict[str, list[int]] = {}
    for i, o in enumerate(items):
        definition = getattr(type(o), "__strawberry_definition__", None)
        if definition is None:
            raise Fallback(f"{f.key}: not a strawberry object")
        groups.setdefault(definition.name, []).append(i)
    out: list[Any] = [None] * len(items)
    for type_name, idx in groups.items():
        dicts = await run(f.abstract.sel(type_name), [items[i] for i in idx], r)
        for i, d in zip(idx, dicts, strict=True):
            out[i] = d
    return out


async def _complete(f: FieldPlan, vals: list[Any], r: Run) -> list[Any]:
    if not f.is_list:
        present = [v for v in vals if v is not None]
        if f.nonnull and len(present) != len(vals):
            raise Fallback(f"null for non-null {f.key}")
        dicts = iter(await _children(f, present, r))
        return [None if v is None else next(dicts) for v in vals]
    flat: list[Any] = []
    for v in vals:
        if v is None:
            if f.nonnull:
                raise Fallback(f"null for non-null {f.key}")
            continue
        for item in v:
            if item is None:
                if f.item_nonnull:
                    raise Fallback(f"null item in {f.key}")
            else:
                flat.append(item)
    dicts = iter(await _children(f, flat, r))
    out: list[Any] = []
    for v in vals:
        if v is None:
            out.append(None)
        else:
            out.append([None if item is None else next(dicts) for item in v])
    return out
