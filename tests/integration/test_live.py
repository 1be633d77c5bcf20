"""The live-update fan-out on the real Redis: two hubs (two API processes) share one
channel namespace per QUEUE_PREFIX, each with one pub/sub connection, delivering to many
local subscribers; a slow subscriber's queue drops its oldest notices; leaving releases
the subscriber and, for the last one, the Redis subscription."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from app.platform import live
from app.platform.settings import Settings

pytestmark = pytest.mark.integration


async def _numsub(redis: Redis, channel: str) -> int:
    return int(dict(await redis.pubsub_numsub(channel))[channel.encode()])


async def test_a_notice_reaches_every_subscriber_on_every_hub_then_subscriptions_end(
    settings: Settings,
):
    assert settings.redis_url
    prefix = f"{settings.queue_prefix}t{uuid.uuid4().hex[:6]}-"
    redis = Redis.from_url(settings.redis_url)
    hubs = [live.LiveHub(Redis.from_url(settings.redis_url), prefix, queue_size=3) for _ in "ab"]
    for h in hubs:
        h.start()
    full = live.channel_name(prefix, "order:1")
    try:
        await asyncio.gather(*(asyncio.wait_for(h.ready.wait(), 5) for h in hubs))
        async with (
            hubs[0].subscribe("order:1") as a1,
            hubs[0].subscribe("order:1") as a2,
            hubs[1].subscribe("order:1") as b1,
            hubs[1].subscribe("order:2") as other,
        ):
            assert hubs[0].subscriber_count == 2 and hubs[0].channel_count == 1
            # one connection per hub, however many local subscribers
            assert await _numsub(redis, full) == 2
            assert await live.publish(redis, prefix, "order:1", b"x") == 2
            for sub in (a1, a2, b1):
                assert await asyncio.wait_for(sub.next(), 5) == b"x"
            assert other.queue.empty()
            # another prefix (another test run, another tenant) is another namespace
            assert await live.publish(redis, prefix + "other-", "order:1", b"y") == 0

            # a slow subscriber keeps only the newest `queue_size` notices
            for i in range(10):
                await live.publish(redis, prefix, "order:1", str(i).encode())
            for _ in range(50):
                if b1.dropped == 7:
                    break
                await asyncio.sleep(0.05)
            got = [await b1.next() for _ in range(3)]
            assert got == [b"7", b"8", b"9"] and b1.dropped == 7 and b1.queue.empty()
        for h in hubs:
            assert h.subscriber_count == 0 and h.channel_count == 0
        for _ in range(50):
            if await _numsub(redis, full) == 0:
                break
            await asyncio.sleep(0.05)
        assert await _numsub(redis, full) == 0
    finally:
        for h in hubs:
            await h.stop()
            await h.redis.aclose()
        await redis.aclose()
