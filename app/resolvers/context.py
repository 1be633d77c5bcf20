"""The typed per-request context: runtime handles, the viewer, and this request's loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from app.platform.auth import ANONYMOUS, Viewer
from app.resolvers.loaders import CatalogLoaders

if TYPE_CHECKING:
    from app.platform.runtime import Runtime


@dataclass
class Context:
    runtime: Runtime
    request: Request | Any = None
    response: Any = None
    request_id: str = ""
    viewer: Viewer = ANONYMOUS
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def catalog(self) -> CatalogLoaders:
        return CatalogLoaders(self.runtime.db)

    def forget_loaded(self) -> None:
        """Drop what this request's loaders hold: after a write, reads load afresh."""
        self.__dict__.pop("catalog", None)
