"""How a type's resolver fields are planned, declared beside their strawberry definitions.

A plain strawberry field (no resolver, no extensions) is an attribute read and needs no
declaration. A field with a resolver is planned only if its class declares, with
`@planned(...)`, what it reads:

- `computed(fn)`: `fn(obj, kwargs, ctx)`, synchronous, from the object itself;
- `batched(source, key, build)`: one `source(ctx).load_many(keys)` for every parent at
  that level of the query (`key(obj)` None means no load: `build` gets None), then
  `build(obj, loaded, kwargs, ctx)`;
- `each(fn)`: `await fn(obj, kwargs, ctx)` for every parent at once (what it loads goes
  through DataLoaders, so the level is still one batch per loader).

`kwargs` are the resolver's own keyword arguments, converted by strawberry exactly as for
the resolver. Whatever these return is read by the planner as the resolver's value would be
(attributes of the strawberry objects, leaf values serialised by their GraphQL type). A
resolver field without a declaration makes every operation selecting it fall back to the
standard executor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

PLANNED = "__planned__"


@dataclass(frozen=True, slots=True)
class Computed:
    fn: Callable[[Any, dict[str, Any], Any], Any]


@dataclass(frozen=True, slots=True)
class Batched:
    source: Callable[[Any], Any]  # ctx -> a DataLoader
    key: Callable[[Any], Any]
    build: Callable[[Any, Any, dict[str, Any], Any], Any]


@dataclass(frozen=True, slots=True)
class Each:
    fn: Callable[[Any, dict[str, Any], Any], Awaitable[Any]]


Declaration = Computed | Batched | Each


def computed(fn: Callable[[Any, dict[str, Any], Any], Any]) -> Computed:
    return Computed(fn)


def batched(
    source: Callable[[Any], Any],
    key: Callable[[Any], Any],
    build: Callable[[Any, Any, dict[str, Any], Any], Any] = lambda obj, loaded, kw, ctx: loaded,
) -> Batched:
    return Batched(source, key, build)


def each(fn: Callable[[Any, dict[str, Any], Any], Awaitable[Any]]) -> Each:
    return Each(fn)


def planned(**fields: Declaration) -> Callable[[T], T]:
    """Class decorator: the planner's declarations for resolver fields, by Python name."""

    def mark(cls: T) -> T:
        own = dict(vars(cls).get(PLANNED, {}))
        own.update(fields)
        setattr(cls, PLANNED, own)
        return cls

    return mark


def declaration(origin: object, python_name: str) -> Declaration | None:
    found = vars(origin).get(PLANNED, {}) if isinstance(origin, type) else {}
    return found.get(python_name)  # type: ignore[no-any-return]
