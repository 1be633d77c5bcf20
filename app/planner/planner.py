"""The planner: cached plans per (query text, operation name), run instead of strawberry's
executor when they can answer, with counts of planned and fallback executions."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, OperationType, get_operation_ast
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension

from app.planner.plan import Fallback, Plan, Run, compile_operation, run

log = logging.getLogger("emporium.planner")

PLANNED, FALLBACK = "planned", "fallback"
# operation names are the client's to choose: past this many, they count as "other"
MAX_NAMES = 200
MAX_PLANNED_QUERY_LENGTH = 20_000


class Planner:
    def __init__(self, schema: Any, *, enabled: bool = True, cache_size: int = 256) -> None:
        self.schema = schema  # strawberry's
        self.enabled = enabled
        self.cache_size = cache_size
        self._plans: OrderedDict[tuple[str, str | None], Plan | str] = OrderedDict()
        self.counts: dict[tuple[str, str], int] = {}
        self.observer: Callable[[str, str], None] | None = None

    def _count(self, operation: str | None, mode: str) -> None:
        name = operation or "anonymous"
        if (name, PLANNED) not in self.counts and (name, FALLBACK) not in self.counts:
            if len({n for n, _ in self.counts}) >= MAX_NAMES:
                name = "other"
        self.counts[(name, mode)] = self.counts.get((name, mode), 0) + 1
        if self.observer is not None:
            self.observer(name, mode)

    def plan(self, query: str, document: Any, operation_name: str | None) -> Plan | str:
        """The operation's plan, or why it has none (cached either way)."""
        key = (query, operation_name)
        found = self._plans.get(key)
        if found is not None:
            self._plans.move_to_end(key)
            return found
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            got: Plan | str = "no single operation to run"
        elif operation.operation is not OperationType.QUERY:
            got = f"a {operation.operation.value}"
        else:
            try:
                got = compile_operation(self.schema._schema, document, operation)
            except Fallback as exc:
                got = str(exc)
        if self.cache_size and len(query) <= MAX_PLANNED_QUERY_LENGTH:
            self._plans[key] = got
            while len(self._plans) > self.cache_size:
                self._plans.popitem(last=False)
        return got

    async def execute(self, ec: Any) -> dict[str, Any] | None:
        """The operation's data if the plan answered it, None to fall back."""
        name = ec.operation_name
        query, document = ec.query, ec.graphql_document
        if not isinstance(query, str) or document is None:
            return None
        plan = self.plan(query, document, name)
        if isinstance(plan, str):
            if plan.startswith("a "):  # mutations and subscriptions are not counted
                return None
            self._fallback(name, plan)
            return None
        variables = get_variable_values(
            self.schema._schema, plan.operation.variable_definitions or (), ec.variables or {}
        )
        if isinstance(variables, list):
            self._fallback(name, "the variables are invalid")
            return None
        r = Run(
            variables,
            variables.coerced,
            ec.context,
            self.schema.schema_converter.scalar_registry,
            self.schema.config,
        )
        try:
            (data,) = await run(plan.root, [ec.root_value], r)
        except (Fallback, GraphQLError, Exception) as exc:
            forget = getattr(ec.context, "forget_loaded", None)
            if forget is not None:
                forget()  # the standard executor starts from fresh loaders
            self._fallback(name, f"{type(exc).__name__}: {exc}")
            return None
        self._count(name, PLANNED)
        return data

    def _fallback(self, name: str | None, why: str) -> None:
        log.debug(
            "operation %s falls back to the standard executor: %s", name or "(anonymous)", why
        )
        self._count(name, FALLBACK)


class PlannerExtension(SchemaExtension):
    """Answers a read operation from its plan before strawberry's executor would run."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        ec = self.execution_context
        if self.planner.enabled and not ec.pre_execution_errors and ec.result is None:
            data = await self.planner.execute(ec)
            if data is not None:
                ec.result = GraphQLExecutionResult(data=data, errors=None)
        yield
