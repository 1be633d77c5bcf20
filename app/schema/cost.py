"""A static cost limit: what a query could return, bounded before it runs.

Depth alone lets `products(first: 100) { nodes { variants { nodes { product { variants …`
ask for millions of objects within a dozen levels. Each selected field costs one per
object it may be resolved on, and every field that returns a list multiplies what is
under it by the most items that list can hold. Which fields are lists comes from the
schema's own types, so a new list field is costed without anyone naming it here:
- a list on a connection (a type with `pageInfo`) holds one page: the connection field's
  `first`/`last` as sent (variables included), else the page maximum;
- `Query.nodes` holds as many items as it was given `ids`;
- every other list of objects needs a declared bound in `LIST_BOUNDS` (a unit test fails
  for one that has none; until then it is charged `UNDECLARED_LIST`);
- introspection is costed exactly: the schema is known, so `__schema { types { fields …`
  is priced by the types and fields it would really list (GraphiQL's own query costs a
  few thousand; an introspection query nested to expand exponentially is refused).
Each fragment is costed once per page size (per schema object, in introspection) and
reused at every spread, so costing is linear in the document's size however its
fragments nest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    value_from_ast_untyped,
)

from app.domains import catalog, search
from app.platform.pagination import MAX_PAGE_SIZE
from app.resolvers.catalog_mutations import MAX_USER_ERRORS
from app.schema import cart as cart_schema
from app.schema import checkout as checkout_schema
from app.schema import customers as customers_schema
from app.schema import inventory as inventory_schema
from app.schema import orders as orders_schema
from app.schema import pricing as pricing_schema
from app.schema import staff as staff_schema
from app.schema.catalog import CHILDREN_SHOWN

UNBOUNDED_PAGE = MAX_PAGE_SIZE
UNDECLARED_LIST = MAX_PAGE_SIZE
# Costs saturate here: a JSON integer every client reads exactly, and no bigint arithmetic.
SATURATED = 2**53 - 1

# Lists of objects that are not pages, with the most items each can hold: the catalog's
# own write rules bound options and attributes, and `children` lists at most its cap.
LIST_BOUNDS: dict[str, int] = {
    "Product.options": catalog.MAX_OPTIONS,
    "ProductVariant.selectedOptions": catalog.MAX_OPTIONS,
    "Product.attributes": catalog.MAX_FILTER_ENTRIES,
    "Category.children": CHILDREN_SHOWN,
    # staff catalog mutations: what they answer is bounded by the catalog's rules
    "ProductVariantsBulkCreatePayload.productVariants": catalog.MAX_VARIANTS,
    "ProductVariantsBulkUpdatePayload.productVariants": catalog.MAX_VARIANTS,
    "ProductImagesAddPayload.images": catalog.MAX_IMAGES,
    "ProductImagesReorderPayload.images": catalog.MAX_IMAGES,
    **{
        f"{payload}Payload.userErrors": MAX_USER_ERRORS
        for payload in (
            "ProductCreate",
            "ProductUpdate",
            "ProductDelete",
            "ProductVariantsBulkCreate",
            "ProductVariantsBulkUpdate",
            "ProductVariantsBulkDelete",
            "ProductImagesAdd",
            "ProductImageRemove",
            "ProductImagesReorder",
            "CategoryCreate",
            "CategoryUpdate",
            "CategoryDelete",
        )
    },
    **customers_schema.LIST_BOUNDS,
    **cart_schema.LIST_BOUNDS,
    **staff_schema.LIST_BOUNDS,
    **pricing_schema.LIST_BOUNDS,
    **inventory_schema.LIST_BOUNDS,
    **orders_schema.LIST_BOUNDS,
    **checkout_schema.LIST_BOUNDS,
    # search: facets and predictive results are capped by the search context
    "SearchProductConnection.filters": search.MAX_FACETS,
    "Filter.values": search.MAX_FACET_VALUES,
    "PredictiveSearchResult.products": search.MAX_PREDICTIVE,
    "PredictiveSearchResult.categories": search.MAX_PREDICTIVE,
    "PredictiveSearchResult.queries": search.MAX_PREDICTIVE,
}
# Lists as long as one of their arguments: `nodes(ids: [...])`.
ARGUMENT_SIZED: dict[str, str] = {"Query.nodes": "ids"}


@dataclass
class CostModel:
    """Prices operations against one schema; `unbounded_lists()` finds the list fields that
    nothing bounds."""

    schema: GraphQLSchema

    def unbounded_lists(self) -> list[str]:
        """`Type.field` of every list of objects whose size nothing bounds."""
        out = []
        for type_ in self.schema.type_map.values():
            if type_.name.startswith("__") or not isinstance(
                type_, GraphQLObjectType | GraphQLInterfaceType
            ):
                continue
            for name, fdef in type_.fields.items():
                key = f"{type_.name}.{name}"
                if (
                    _list_depth(fdef) > 0
                    and is_composite_type(get_named_type(fdef.type))
                    and not _is_connection(type_)
                    and key not in LIST_BOUNDS
                    and key not in ARGUMENT_SIZED
                ):
                    out.append(key)
        return out

    def cost(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        limit: int = SATURATED,
    ) -> int:
        """The operation's cost; any figure above `limit` may be reported as SATURATED (the
        work stops there)."""
        ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        op = next(
            (o for o in ops if o.name and o.name.value == operation_name),
            ops[0] if ops and operation_name is None else None,
        )
        if op is None:
            return 0
        root = self.schema.get_root_type(op.operation)
        if root is None:
            return 0
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        costing = _Costing(self.schema, fragments, variables or {}, limit)
        try:
            return costing.selection(op.selection_set, root, UNBOUNDED_PAGE)
        except _OverLimit:
            return SATURATED


class _OverLimit(Exception):
    pass


@dataclass
class _Costing:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    limit: int
    # (fragment, page) → cost of the fragment on one object; None while being costed (a
    # cycle, which validation refuses anyway, costs nothing more)
    memo: dict[tuple[str, int], int | None] = field(default_factory=dict)
    # (selection, schema object) → exact cost of that selection on that introspection object
    meta_memo: dict[tuple[int, int], int] = field(default_factory=dict)

    def selection(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, page: int
    ) -> int:
        """Cost of a selection on one object of type `parent`, whose page lists hold `page`."""
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self.field(sel, parent, page)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                inner = self.schema.get_type(cond.name.value) if cond else parent
                total += self.selection(sel.selection_set, inner or parent, page)
            elif isinstance(sel, FragmentSpreadNode):
                total += self.spread(sel.name.value, parent, page)
        return min(total, SATURATED)

    def spread(self, name: str, parent: GraphQLNamedType, page: int) -> int:
        key = (name, page)
        if key in self.memo:
            return self.memo[key] or 0
        frag = self.fragments.get(name)
        if frag is None:
            return 0
        self.memo[key] = None
        on = self.schema.get_type(frag.type_condition.name.value) or parent
        cost = self.memo[key] = self.selection(frag.selection_set, on, page)
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: int) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        if name in ("__schema", "__type") and node.selection_set is not None:
            return 1 + self.introspection(node, name)
        fdef = _field_def(parent, name)
        if fdef is None:
            return 0  # validation refuses it
        key = f"{parent.name}.{name}"
        items = 1
        depth = _list_depth(fdef)
        if depth and node.selection_set is not None:
            if _is_connection(parent):
                bound = page
            elif key in ARGUMENT_SIZED:
                bound = self.argument_length(node, ARGUMENT_SIZED[key])
            else:
                bound = LIST_BOUNDS.get(key, UNDECLARED_LIST)
            items = bound**depth
        if node.selection_set is None:
            return items
        named = get_named_type(fdef.type)
        inner = self.selection(node.selection_set, named, self.page_size(node))
        return min(items + items * inner, SATURATED)

    def page_size(self, node: FieldNode) -> int:
        """How many items the lists of the connection this field returns may hold."""
        for arg in node.arguments or ():
            if arg.name.value in ("first", "last"):
                value = self.value(arg.value)
                # a bad value is refused by the resolver; cost it as the most it could be
                if isinstance(value, int) and not isinstance(value, bool):
                    return value if 0 <= value <= UNBOUNDED_PAGE else UNBOUNDED_PAGE
        return UNBOUNDED_PAGE

    def argument_length(self, node: FieldNode, name: str) -> int:
        for arg in node.arguments or ():
            if arg.name.value == name:
                if isinstance(arg.value, ListValueNode):
                    return len(arg.value.values)
                value = self.value(arg.value)
                # one value where a list is expected is coerced to a list of one
                return len(value) if isinstance(value, list) else 1
        return UNBOUNDED_PAGE

    def value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        return value_from_ast_untyped(node)

    # Introspection: priced on the schema's real objects, each (selection, object) once.

    def introspection(self, node: FieldNode, name: str) -> int:
        assert node.selection_set is not None
        if name == "__schema":
            return self.meta(node.selection_set, "__Schema", self.schema)
        arg = next((a for a in node.arguments or () if a.name.value == "name"), None)
        wanted = self.value(arg.value) if arg is not None else None
        if isinstance(wanted, str):
            found = self.schema.type_map.get(wanted)
            return self.meta(node.selection_set, "__Type", found) if found else 0
        # not known before it runs: the dearest type it could name
        return max(
            (self.meta(node.selection_set, "__Type", t) for t in self.schema.type_map.values()),
            default=0,
        )

    def meta(self, selection_set: SelectionSetNode, kind: str, obj: Any) -> int:
        key = (id(selection_set), id(obj))
        if key in self.meta_memo:
            return self.meta_memo[key]
        # each new (selection, object) pair is a part of the answer: bounded work
        if len(self.meta_memo) > self.limit:
            raise _OverLimit
        self.meta_memo[key] = 0  # a cycle (refused by validation) costs nothing more
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                if sel.name.value == "__typename":
                    continue
                got = _meta_child(self.schema, kind, obj, sel.name.value)
                if got is None or sel.selection_set is None:
                    total += len(got[1]) if got and isinstance(got[1], list) else 1
                    continue
                child_kind, value = got
                items = value if isinstance(value, list) else [value]
                total += len(items) + sum(
                    self.meta(sel.selection_set, child_kind, v) for v in items if v is not None
                )
            elif isinstance(sel, InlineFragmentNode):
                total += self.meta(sel.selection_set, kind, obj)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    total += self.meta(frag.selection_set, kind, obj)
            if total > self.limit:
                raise _OverLimit
        self.meta_memo[key] = total
        return total


def _meta_child(schema: GraphQLSchema, kind: str, obj: Any, name: str) -> tuple[str, Any] | None:
    """What an introspection field holds: (its object kind, an object, a list or None);
    None for a scalar field."""
    if kind == "__Schema":
        if name == "types":
            return "__Type", list(schema.type_map.values())
        if name == "directives":
            return "__Directive", list(schema.directives)
        if name in ("queryType", "mutationType", "subscriptionType"):
            return "__Type", getattr(schema, name[: -len("Type")] + "_type")
    elif kind == "__Type":
        if name == "ofType":
            return "__Type", getattr(obj, "of_type", None)
        if name == "fields":
            fields = (
                obj.fields if isinstance(obj, GraphQLObjectType | GraphQLInterfaceType) else None
            )
            return "__Field", list(fields.values()) if fields is not None else None
        if name == "inputFields":
            inputs = obj.fields if isinstance(obj, GraphQLInputObjectType) else None
            return "__InputValue", list(inputs.values()) if inputs is not None else None
        if name == "interfaces":
            return "__Type", list(getattr(obj, "interfaces", None) or [])
        if name == "possibleTypes":
            abstract = is_abstract_type(obj)
            return "__Type", list(schema.get_possible_types(obj)) if abstract else None
        if name == "enumValues":
            values = getattr(obj, "values", None)
            return "__EnumValue", list(values.values()) if isinstance(values, dict) else None
    elif kind in ("__Field", "__Directive", "__InputValue"):
        if name == "args":
            return "__InputValue", list(getattr(obj, "args", {}).values())
        if name == "type":
            return "__Type", getattr(obj, "type", None)
    return None


def _field_def(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None


def _list_depth(fdef: GraphQLField) -> int:
    """How many list wrappers the field's type has (`[[X]]` is 2)."""
    depth, t = 0, fdef.type
    while isinstance(t, GraphQLNonNull | GraphQLList):
        depth += isinstance(t, GraphQLList)
        t = t.of_type
    return depth


def _is_connection(type_: GraphQLNamedType) -> bool:
    """A Relay connection: its lists hold one page."""
    return isinstance(type_, GraphQLObjectType) and "pageInfo" in type_.fields
