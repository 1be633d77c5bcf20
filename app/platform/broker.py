"""The Dramatiq broker (RabbitMQ when distributed, Redis when embedded) and event routes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware.asyncio import AsyncIO

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


def build_broker(url: str) -> dramatiq.Broker:
    """A broker for `url`; actors are declared on it explicitly (never the global one)."""
    broker: dramatiq.Broker
    if url.startswith(("amqp://", "amqps://")):
        broker = RabbitmqBroker(url=url, confirm_delivery=True)
    else:
        broker = RedisBroker(url=url)
    broker.add_middleware(AsyncIO())
    return broker


@dataclass
class Routes:
    """Which actors receive which event type: the relay's routing table.

    Actors are named `<context>.<verb>` and take the event envelope as their one argument.
    """

    queue_prefix: str = ""
    _by_type: dict[str, list[dramatiq.Actor[Any, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def subscribe(
        self,
        broker: dramatiq.Broker,
        event_type: str,
        name: str,
        handler: EventHandler,
        *,
        queue: str = "events",
        max_retries: int = 20,
    ) -> dramatiq.Actor[Any, Any]:
        actor = dramatiq.actor(
            broker=broker,
            actor_name=name,
            queue_name=f"{self.queue_prefix}{queue}",
            max_retries=max_retries,
            min_backoff=200,
            max_backoff=30_000,
        )(handler)
        self._by_type[event_type].append(actor)
        return actor

    def actors_for(self, event_type: str) -> list[dramatiq.Actor[Any, Any]]:
        return list(self._by_type.get(event_type, ()))

    def publish(self, envelope: dict[str, Any]) -> int:
        """Send one envelope to each subscribed actor (blocking I/O); returns the count."""
        actors = self.actors_for(envelope["type"])
        for actor in actors:
            actor.send(envelope)
        return len(actors)


def ping_broker(broker: dramatiq.Broker) -> None:
    """Raise if the broker is unreachable (blocking; run it in a thread)."""
    if isinstance(broker, RabbitmqBroker):
        import pika

        params = broker.parameters
        for p in params if isinstance(params, list) else [params]:
            p.socket_timeout = 3
            p.blocked_connection_timeout = 3
        pika.BlockingConnection(params).close()
    elif isinstance(broker, RedisBroker):
        broker.client.ping()
