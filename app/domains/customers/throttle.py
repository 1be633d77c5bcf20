"""Sign-in throttling: failed attempts counted per account and per client IP in a fixed
window in Redis; past the limit every attempt is refused until the window ends."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from app.domains.customers.errors import Throttled


@dataclass(frozen=True)
class LoginThrottle:
    redis: Redis
    per_account: int
    per_ip: int
    window: int  # seconds
    prefix: str = ""

    def _keys(self, account: str, ip: str | None) -> list[tuple[str, int]]:
        bucket = int(time.time()) // self.window
        # the e-mail is hashed: Redis holds no list of addresses people tried
        who = hashlib.sha256(account.lower().encode()).hexdigest()[:32]
        keys = [(f"{self.prefix}login:acct:{who}:{bucket}", self.per_account)]
        if ip:
            keys.append((f"{self.prefix}login:ip:{ip}:{bucket}", self.per_ip))
        return keys

    def _retry_after(self) -> int:
        return self.window - int(time.time()) % self.window

    async def check(self, account: str, ip: str | None) -> None:
        """Throttled when the account or the IP has used up its failures in this window."""
        keys = self._keys(account, ip)
        counts = await self.redis.mget([k for k, _ in keys])
        for (_, limit), count in zip(keys, counts, strict=True):
            if count is not None and int(count) >= limit:
                raise Throttled(self._retry_after())

    async def failed(self, account: str, ip: str | None) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, _ in self._keys(account, ip):
                pipe.incr(key)
                pipe.expire(key, self.window + 1)
            await pipe.execute()
