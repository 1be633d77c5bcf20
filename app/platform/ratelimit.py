"""Cost-based rate limits shared by every replica: a token bucket per client in Redis.

Each client (an access token's subject, else its IP) has a bucket of `capacity` points that
refills continuously at `restore_rate` points a second; a request spends its computed query
cost. The refill, the check and the spend are one Lua script, so replicas racing on one
bucket never both spend its last points. The clock is Redis's own (TIME): replicas whose
clocks disagree still share one notion of "now".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis

# KEYS[1]: the bucket (a hash: points, at). ARGV: capacity, restore rate (points/s), cost.
# Returns {allowed (1/0), points left after the spend (or now, if refused), ms to wait}.
# Points are kept as a string: a Lua number returned to Redis is truncated to an integer.
_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'points', 'at')
local points = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then points = math.min(capacity, points + (now - at) * rate) end
local allowed = 0
local wait = 0
if cost <= points then
  points = points - cost
  allowed = 1
else
  wait = math.ceil((math.min(cost, capacity) - points) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'points', tostring(points), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {allowed, tostring(points), wait}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    available: float  # points in the bucket after this request
    retry_after: float  # seconds until the request would fit (0 when allowed)
    capacity: int
    restore_rate: float

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after)))

    def status(self) -> dict[str, float | int]:
        """Shopify's `throttleStatus`."""
        return {
            "maximumAvailable": self.capacity,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.restore_rate,
        }


class TokenBucket:
    """One family of buckets (`name`: the query-cost budget, the sign-in attempts, ...)."""

    def __init__(
        self, redis: Redis, name: str, capacity: int, restore_rate: float, prefix: str = ""
    ) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self.prefix = f"{prefix}ratelimit:{name}:"
        self._script = redis.register_script(_BUCKET)

    async def spend(self, client: str, cost: int) -> Decision:
        """Take `cost` points from `client`'s bucket if it holds them; a cost above the whole
        capacity can never fit and is refused (the static cost limit is what bounds it)."""
        allowed, points, wait = await self._script(
            keys=[self.prefix + client], args=[self.capacity, self.restore_rate, max(0, cost)]
        )
        return Decision(
            allowed=bool(allowed),
            available=float(points),
            retry_after=int(wait) / 1000,
            capacity=self.capacity,
            restore_rate=self.restore_rate,
        )
