"""The token bucket's Lua script on the real Redis: spend, refuse with the wait, refill."""

from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis

from app.platform.ratelimit import TokenBucket


async def test_bucket_spends_refuses_and_refills(settings):
    assert settings.redis_url
    redis = Redis.from_url(settings.redis_url)
    try:
        bucket = TokenBucket(
            redis, "t", 100, 50.0, prefix=f"{settings.queue_prefix}{uuid.uuid4().hex}:"
        )
        first = await bucket.spend("c", 60)
        assert first.allowed and 40 <= first.available <= 41
        refused = await bucket.spend("c", 60)
        assert not refused.allowed
        # 60 - ~40 points at 50 a second: about 0.4 s to wait
        assert 0.3 <= refused.retry_after <= 0.45, refused
        assert refused.retry_after_header == "1"
        other = await bucket.spend("someone-else", 100)  # each client has its own bucket
        assert other.allowed and other.available < 1
        await asyncio.sleep(refused.retry_after + 0.05)
        again = await bucket.spend("c", 60)
        assert again.allowed, again
        assert again.status() == {
            "maximumAvailable": 100,
            "currentlyAvailable": int(again.available),
            "restoreRate": 50.0,
        }
    finally:
        await redis.aclose()
