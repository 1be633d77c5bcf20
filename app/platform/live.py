"""Live updates across replicas: Redis pub/sub fanned out to the subscriptions of this process.

A worker that sees a change publishes a short notice on a channel (`order:42`); every API
process holds one Redis pub/sub connection (`LiveHub`), subscribed to exactly the channels
its local subscribers want, and hands each notice to each of them. Channel names are
prefixed with QUEUE_PREFIX (`<prefix>live:order:42`), so test runs and tenants sharing a
Redis never hear each other.

A notice only says "this changed": a subscriber re-reads the object (through its context's
public API and its own authorisation) before it answers. So a slow subscriber loses nothing
by losing notices: each has a small bounded queue, and when it is full the *oldest* notice
is dropped (drop-oldest), never the connection; the subscriber still wakes up and reads the
latest state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

log = logging.getLogger("emporium.live")

# keeps the pub/sub connection in subscribed mode while no one listens to anything
_IDLE = "_idle"


def channel_name(prefix: str, channel: str) -> str:
    return f"{prefix}live:{channel}"


async def publish(redis: Redis, prefix: str, channel: str, data: bytes | str = b"") -> int:
    """Tell every replica's subscribers of `channel` that it changed; returns how many
    processes listen to it (Redis's count)."""
    return int(await redis.publish(channel_name(prefix, channel), data))


class Subscriber:
    """One local subscription: a bounded queue of notices, dropping the oldest when full."""

    __slots__ = ("channel", "dropped", "queue")

    def __init__(self, channel: str, size: int) -> None:
        self.channel = channel
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=size)
        self.dropped = 0

    def offer(self, data: bytes) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(data)

    async def next(self) -> bytes:
        return await self.queue.get()


class LiveHub:
    """One Redis pub/sub connection per process, multiplexing channels to local subscribers.

    `async with hub.subscribe("order:42") as sub: data = await sub.next()`; leaving the
    block (the client completed the operation or disconnected) removes the subscriber, and
    the last one of a channel unsubscribes the connection from it.
    """

    confirm_timeout = 2.0  # seconds a new subscription waits for Redis to confirm it

    def __init__(self, redis: Redis, prefix: str = "", queue_size: int = 16) -> None:
        self.redis = redis
        self.prefix = prefix
        self.queue_size = queue_size
        self._local: dict[str, set[Subscriber]] = {}
        self._pubsub: Any = None
        self._listener: asyncio.Task[None] | None = None
        # set when Redis confirms the subscription: from then on no notice is missed
        self._confirmed: dict[str, asyncio.Event] = {}
        self.ready = asyncio.Event()

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._local.values())

    @property
    def channel_count(self) -> int:
        return len(self._local)

    def _full(self, channel: str) -> str:
        return channel_name(self.prefix, channel)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscriber]:
        sub = Subscriber(channel, self.queue_size)
        subs = self._local.setdefault(channel, set())
        first = not subs
        subs.add(sub)
        confirmed = self._confirmed.setdefault(channel, asyncio.Event())
        try:
            if first and self._pubsub is not None:
                # not yet connected: `listen` subscribes to every channel when it connects
                with contextlib.suppress(Exception):
                    await self._pubsub.subscribe(self._full(channel))
            # the caller reads the current state next: only once Redis has the subscription
            # can no change slip between that read and the first notice
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.confirm_timeout):
                    await confirmed.wait()
            yield sub
        finally:
            subs.discard(sub)
            if not subs and self._local.get(channel) is subs:
                del self._local[channel]
                self._confirmed.pop(channel, None)
                if self._pubsub is not None:
                    with contextlib.suppress(Exception):
                        await self._pubsub.unsubscribe(self._full(channel))

    def _local_name(self, full_channel: bytes | str) -> str:
        name = full_channel.decode() if isinstance(full_channel, bytes) else full_channel
        return name.removeprefix(self.prefix + "live:")

    def _deliver(self, full_channel: bytes | str, data: bytes) -> None:
        channel = self._local_name(full_channel)
        for sub in tuple(self._local.get(channel, ())):
            sub.offer(data)

    async def listen(self) -> None:
        """Deliver notices until cancelled; after a lost connection, reconnect and resubscribe
        (subscribers are woken once, so they re-read what may have changed meanwhile)."""
        while True:
            pubsub = self.redis.pubsub()
            try:
                wanted = set(self._local)
                await pubsub.subscribe(self._full(_IDLE), *map(self._full, wanted))
                self._pubsub = pubsub
                # subscribers that arrived during that await
                if late := set(self._local) - wanted:
                    await pubsub.subscribe(*map(self._full, late))
                self.ready.set()
                async for message in pubsub.listen():
                    kind = message.get("type")
                    if kind == "message":
                        self._deliver(message["channel"], message["data"])
                    elif kind == "subscribe":
                        event = self._confirmed.get(self._local_name(message["channel"]))
                        if event is not None:
                            event.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live updates: lost Redis pub/sub; retrying")
                self.ready.clear()
                self._pubsub = None
                for event in self._confirmed.values():
                    event.clear()
                for channel in list(self._local):
                    self._deliver(self._full(channel), b"")  # may have missed something
                await asyncio.sleep(1)
            finally:
                self._pubsub = None
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def start(self) -> None:
        if self._listener is None:
            self._listener = asyncio.create_task(self.listen())

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
