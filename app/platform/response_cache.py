"""The response cache for anonymous catalog reads: Redis shared by every replica, a small
in-process LRU in front, invalidated by tag through Redis pub/sub.

An entry's key is the hash of what decides the answer: the query, the operation name, the
variables and the request's context (currency, country). Only anonymous queries whose root
fields are all public catalog reads are stored (the HTTP edge decides; `cacheable`), and
only answers without errors. Each entry is tagged with the products it shows (`product:N`,
from the global ids in its data) and, if it lists products or shows none by id, with
`listing`: a product change invalidates its own tag and `listing`, a category change
everything. Invalidation deletes the entries in Redis and publishes their keys; every
replica's listener drops them from its LRU (well within a second).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis

from app.platform.ids import InvalidId, from_global_id

log = logging.getLogger("emporium.cache")

# Root fields whose answers are the same for every anonymous caller (PUBLIC_FIELDS' catalog
# reads); `customer(customerAccessToken:)` is public too, but personal: never here.
CACHEABLE_ROOT_FIELDS = frozenset(
    {
        "products",
        "product",
        "categories",
        "category",
        "node",
        "nodes",
        "search",
        "predictiveSearch",
        "__typename",
    }
)
LISTING = "listing"
EVERYTHING = "*"


@dataclass(frozen=True, slots=True)
class Entry:
    body: bytes
    etag: str
    expires: float  # monotonic deadline in this process


def cache_key(
    query: str, operation_name: str | None, variables: Any, context: tuple[str, ...]
) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in (query, operation_name or "", "|".join(context)):
        h.update(part.encode())
        h.update(b"\x00")
    h.update(orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS))
    return h.hexdigest()


def etag_of(data: bytes) -> str:
    # weak: the data is the same, the extensions around it (cost) may differ
    return 'W/"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k, child in v.items():
                yield k, child
                if isinstance(child, dict | list):
                    stack.append(child)
        elif isinstance(v, list):
            stack.extend(c for c in v if isinstance(c, dict | list))


def tags_of(data: Any) -> set[str]:
    """The products an answer shows (by the global ids in it) and whether it lists any."""
    tags: set[str] = set()
    listing = False
    for key, value in _walk(data):
        if key in ("edges", "nodes", "products") and isinstance(value, dict | list):
            listing = True
        elif key == "id" and isinstance(value, str):
            with contextlib.suppress(InvalidId):
                kind, pk = from_global_id(value, "Product", "ProductVariant", "Category")
                tags.add(f"{kind.lower()}:{pk}")
    if listing or not any(t.startswith("product:") for t in tags):
        tags.add(LISTING)
    return tags


def tags_for_change(event_type: str, payload: dict[str, Any]) -> list[str]:
    """Which tags a catalog or availability event touches."""
    if event_type.startswith("catalog.ProductChanged."):
        return [f"product:{int(payload['product_id'])}", LISTING]
    if event_type.startswith("inventory.AvailabilityChanged."):
        # sold out, back in stock, low: answers showing the variant, and every listing
        return [f"productvariant:{int(payload['variant_id'])}", LISTING]
    return [EVERYTHING]


class ResponseCache:
    def __init__(
        self, redis: Redis, *, prefix: str = "", ttl: int = 60, local_size: int = 1000
    ) -> None:
        self.redis = redis
        self.ttl = ttl
        self.local_size = local_size
        self.prefix = f"{prefix}respcache:"
        self.channel = f"{prefix}respcache:invalidate"
        self._local: OrderedDict[str, Entry] = OrderedDict()
        # a GET's raw query string → its entry's key: a repeated GET is answered without
        # parsing or hashing anything (the entry itself is still the one invalidation drops)
        self._by_request: OrderedDict[bytes, str] = OrderedDict()
        self._listener: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        # bumped by every invalidation this process hears: an answer computed across one
        # may hold what was just invalidated, and is not stored (`put(..., since=)`)
        self.generation = 0

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def _remember(self, key: str, entry: Entry) -> None:
        self._local[key] = entry
        self._local.move_to_end(key)
        while len(self._local) > self.local_size:
            self._local.popitem(last=False)

    def by_request(self, raw: bytes) -> Entry | None:
        """The local entry a GET with this raw query string was last answered with."""
        key = self._by_request.get(raw)
        entry = self._local.get(key) if key is not None else None
        if entry is None or entry.expires <= time.monotonic():
            return None
        return entry

    def remember_request(self, raw: bytes, key: str) -> None:
        self._by_request[raw] = key
        if len(self._by_request) > self.local_size:
            self._by_request.popitem(last=False)

    async def get(self, key: str) -> Entry | None:
        entry = self._local.get(key)
        now = time.monotonic()
        if entry is not None:
            if entry.expires > now:
                self._local.move_to_end(key)
                return entry
            del self._local[key]
        pipe = self.redis.pipeline(transaction=False)
        pipe.get(self.prefix + "e:" + key)
        pipe.pttl(self.prefix + "e:" + key)
        raw, ttl = await pipe.execute()
        if raw is None:
            return None
        etag, _, body = raw.partition(b"\n")
        entry = Entry(body, etag.decode(), now + max(ttl, 0) / 1000)
        self._remember(key, entry)
        return entry

    async def put(
        self, key: str, body: bytes, etag: str, tags: Iterable[str], since: int | None = None
    ) -> None:
        if since is not None and since != self.generation:
            return  # computed while something was invalidated: maybe stale already
        entry_key = self.prefix + "e:" + key
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(entry_key, etag.encode() + b"\n" + body, ex=self.ttl)
            for tag in {*tags, EVERYTHING}:
                pipe.sadd(self.prefix + "t:" + tag, key)
                pipe.expire(self.prefix + "t:" + tag, self.ttl + 60)
            await pipe.execute()
        self._remember(key, Entry(body, etag, time.monotonic() + self.ttl))

    async def invalidate(self, tags: Iterable[str]) -> int:
        """Drop every entry carrying one of `tags`, here and on every replica."""
        tag_keys = [self.prefix + "t:" + t for t in tags]
        found = await self.redis.sunion(tag_keys)
        keys = [k.decode() if isinstance(k, bytes) else str(k) for k in found]
        async with self.redis.pipeline(transaction=False) as pipe:
            if keys:
                pipe.delete(*(self.prefix + "e:" + k for k in keys))
                pipe.srem(self.prefix + "t:" + EVERYTHING, *keys)
            pipe.delete(*tag_keys)
            pipe.publish(self.channel, orjson.dumps(keys))
            await pipe.execute()
        return len(keys)

    def drop_local(self, keys: Iterable[str]) -> None:
        self.generation += 1
        for key in keys:
            self._local.pop(key, None)

    async def listen(self) -> None:
        """Apply invalidations published by any process, until cancelled; reconnects."""
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                # anything cached before we listened may have been invalidated meanwhile
                self._local.clear()
                self.generation += 1
                self.ready.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self.drop_local(orjson.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("response cache: invalidation listener lost Redis; retrying")
                self.ready.clear()
                self._local.clear()
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def start(self) -> None:
        if self.enabled and self._listener is None:
            self._listener = asyncio.create_task(self.listen())

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
