"""Versioned domain events: a stable `type` name and a pydantic payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, Field

_REGISTRY: dict[str, type[Event]] = {}


class Event(BaseModel):
    """Base of every event. Subclasses set `type_name` such as `catalog.ProductChanged.v1`.

    A new incompatible shape gets a new name (`…v2`); consumers keep reading old ones.
    """

    type_name: ClassVar[str]

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("type_name")
        if name:
            if name in _REGISTRY and _REGISTRY[name] is not cls:
                raise TypeError(f"event type {name!r} is declared twice")
            _REGISTRY[name] = cls

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"event_id", "occurred_at"})

    def envelope(self) -> dict[str, Any]:
        """The wire form the relay sends and consumers receive."""
        return {
            "id": str(self.event_id),
            "type": self.type_name,
            "occurred_at": self.occurred_at.isoformat(),
            "payload": self.payload(),
        }


def event_from_envelope(envelope: dict[str, Any]) -> Event:
    cls = _REGISTRY.get(envelope["type"])
    if cls is None:
        raise LookupError(f"unknown event type {envelope['type']!r}")
    return cls(
        event_id=uuid.UUID(envelope["id"]),
        occurred_at=datetime.fromisoformat(envelope["occurred_at"]),
        **envelope["payload"],
    )
