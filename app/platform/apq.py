"""Persisted queries: Apollo's automatic persisted queries, and an allowlist from a manifest.

A client sends `extensions.persistedQuery {version: 1, sha256Hash}` without the query; an
unknown hash is answered `PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND, what
Apollo Client's persisted-queries link looks for), and the client sends the query with its
hash once, which registers it. Registered queries live in Redis (shared by every replica)
and in a small per-process map in front of it.

In allowlist mode nothing registers: only the operations of a loaded manifest (Apollo's
persisted-query manifest, `emporium persisted-queries load`) run, by hash or by full text.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis

NOT_FOUND = "PersistedQueryNotFound"
NOT_FOUND_CODE = "PERSISTED_QUERY_NOT_FOUND"
MANIFEST_FORMAT = "apollo-persisted-query-manifest"


class PersistedQueryError(Exception):
    """A persisted-query request that cannot run; answered as a GraphQL error."""

    def __init__(self, message: str, code: str, status: int = 200) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def manifest_operations(manifest: object) -> dict[str, str]:
    """`{id: body}` from an Apollo persisted-query manifest; ValueError if it is not one."""
    if not isinstance(manifest, Mapping) or manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError(f'not a persisted-query manifest (format "{MANIFEST_FORMAT}")')
    if manifest.get("version") != 1:
        raise ValueError("only version 1 manifests are understood")
    ops = manifest.get("operations")
    if not isinstance(ops, list):
        raise ValueError("the manifest has no `operations` list")
    found: dict[str, str] = {}
    for i, op in enumerate(ops):
        if not isinstance(op, Mapping) or not all(
            isinstance(op.get(k), str) for k in ("id", "body")
        ):
            raise ValueError(f"operations[{i}] needs a string `id` and `body`")
        found[op["id"]] = op["body"]
    return found


class PersistedQueries:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "",
        allowlist_only: bool = False,
        ttl: int = 7 * 24 * 3600,
        local_size: int = 1000,
    ) -> None:
        self.redis = redis
        self.allowlist_only = allowlist_only
        self.ttl = ttl
        self.local_size = local_size
        self._auto = f"{prefix}apq:"  # registered by clients (automatic)
        self._listed = f"{prefix}pq:allow:"  # loaded from a manifest
        self._local: OrderedDict[str, str] = OrderedDict()

    async def _lookup(self, key: str) -> str | None:
        found = self._local.get(key)
        if found is not None:
            self._local.move_to_end(key)
            return found
        raw = await self.redis.get(key)
        if raw is None:
            return None
        query = raw.decode() if isinstance(raw, bytes) else str(raw)
        self._local[key] = query
        if len(self._local) > self.local_size:
            self._local.popitem(last=False)
        return query

    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The query to run: `query` itself, or the one its persisted hash stands for;
        registers a new one (automatic mode). Raises PersistedQueryError."""
        pq = (extensions or {}).get("persistedQuery")
        if pq is None:
            if self.allowlist_only:
                if query is None or await self._lookup(self._listed + sha256_hex(query)) is None:
                    raise PersistedQueryError(
                        "Only persisted queries run here: this one is not in the allowlist",
                        "PERSISTED_QUERY_NOT_ALLOWED",
                        400,
                    )
            return query
        if not isinstance(pq, Mapping) or pq.get("version") != 1:
            raise PersistedQueryError(
                "Unsupported persisted query version", "PERSISTED_QUERY_NOT_SUPPORTED", 400
            )
        digest = pq.get("sha256Hash")
        if not isinstance(digest, str) or len(digest) > 128:
            raise PersistedQueryError(
                "`persistedQuery.sha256Hash` must be a string", "BAD_REQUEST", 400
            )
        if self.allowlist_only:
            listed = await self._lookup(self._listed + digest)
            if listed is None:
                raise PersistedQueryError(
                    "This persisted query is not in the allowlist",
                    "PERSISTED_QUERY_NOT_ALLOWED",
                    400,
                )
            return listed
        if query is None:
            known = await self._lookup(self._auto + digest)
            if known is None:
                known = await self._lookup(self._listed + digest)
            if known is None:
                raise PersistedQueryError(NOT_FOUND, NOT_FOUND_CODE)
            return known
        if sha256_hex(query) != digest.lower():
            raise PersistedQueryError(
                "The query does not match its sha256Hash", "PERSISTED_QUERY_HASH_MISMATCH", 400
            )
        key = self._auto + digest.lower()
        if key not in self._local:
            await self.redis.set(key, query, ex=self.ttl)
            self._local[key] = query
        return query

    async def load(self, operations: Mapping[str, str]) -> int:
        """Add a manifest's operations to the allowlist (kept until replaced)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for op_id, body in operations.items():
                pipe.set(self._listed + op_id, body)
            await pipe.execute()
        return len(operations)
