"""Dramatiq actors. Each is a few lines that call a domain service; each is safe to run twice.

Actors are declared on an explicit broker by `register()`, never at import time.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import dramatiq

from app.platform.broker import Routes
from app.platform.settings import Settings
from app.workers import cart, checkout, inventory, live, response_cache, search

# Contexts add their subscriptions here as they land (search index sync, notifications, …).
Registrar = Callable[[dramatiq.Broker, Routes, Settings], None]
REGISTRARS: list[Registrar] = [
    search.register,
    cart.register,
    inventory.register,
    response_cache.register,
    checkout.register,
    live.register,
]


def register(broker: dramatiq.Broker, settings: Settings) -> Routes:
    """Declare every actor on `broker`; returns the relay's routing table."""
    routes = Routes(queue_prefix=settings.queue_prefix)
    for registrar in REGISTRARS:
        registrar(broker, routes, settings)
    # merchants' own consumers (and the test suite's recorder) plug in the same way
    for name in filter(None, (m.strip() for m in settings.extra_worker_modules.split(","))):
        importlib.import_module(name).register(broker, routes, settings)
    return routes
