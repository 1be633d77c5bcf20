"""The pinned clients speak to the real servers the later contexts build on."""

from __future__ import annotations

import asyncio

import pytest
import stripe
from elasticsearch import AsyncElasticsearch
from redis.asyncio import Redis

pytestmark = pytest.mark.integration


async def test_elasticsearch_client_matches_the_server_and_tolerates_typos(services):
    es = AsyncElasticsearch(services.search_url, node_class="httpxasync")
    index = f"t{services.run_id}-smoke"
    try:
        # the integ-test distribution has no `GET /`; the nodes API tells the version
        nodes = await es.nodes.info(node_id="_local", filter_path="nodes.*.version")
        [version] = [n["version"] for n in nodes["nodes"].values()]
        assert version.split(".")[0] == "8"  # the client is pinned to the server's major
        await es.indices.create(index=index, mappings={"properties": {"title": {"type": "text"}}})
        await es.index(index=index, id="1", document={"title": "Linen shirt"}, refresh=True)
        hits = await es.search(
            index=index, query={"match": {"title": {"query": "shrit", "fuzziness": "AUTO"}}}
        )
        assert [h["_id"] for h in hits["hits"]["hits"]] == ["1"]
    finally:
        await es.indices.delete(index=index, ignore_unavailable=True)
        await es.close()


def test_stripe_mock_answers_the_pinned_stripe_client(services):
    client = stripe.StripeClient(
        "sk_test_emporium",
        base_addresses={"api": services.stripe_api_base},
    )
    intent = client.v1.payment_intents.create(
        params={"amount": 2599, "currency": "usd", "payment_method_types": ["card"]},
        options={"idempotency_key": f"t{services.run_id}-smoke"},
    )
    assert intent.id.startswith("pi_") and intent.object == "payment_intent"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.create(params={"currency": "usd"})  # amount is required


async def test_redis_pubsub_round_trip(services):
    redis = Redis.from_url(services.redis_url)
    channel = f"t{services.run_id}:smoke"
    pubsub = redis.pubsub()
    try:
        await pubsub.subscribe(channel)
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        await redis.publish(channel, "hello")
        msg = None
        for _ in range(20):
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if msg:
                break
            await asyncio.sleep(0.05)
        assert msg is not None and msg["data"] == b"hello"
    finally:
        await pubsub.aclose()
        await redis.aclose()


async def test_the_teardown_drops_this_runs_indices_and_no_others(services):
    """`drop_test_services` deletes every `t<run>.*` index (what the search tests leave,
    e.g. `t<run>.emporium-products-0` and rebuilt ones) and leaves other runs' alone."""
    from tests.fixtures.services import _delete_indices

    es = AsyncElasticsearch(services.search_url, node_class="httpxasync")
    mine = f"t{services.run_id}x.emporium-products-{services.run_id}"  # a run of its own
    other = f"t{services.run_id}y.emporium-products-0"  # another run's
    try:
        for name in (mine, other, mine + "-2"):
            await es.indices.create(index=name)
        await es.indices.put_alias(index=mine, name=f"t{services.run_id}x.emporium-products")
        deleted = await _delete_indices(services.search_url, f"t{services.run_id}x.")
        assert deleted == [mine, mine + "-2"]
        assert not await es.indices.exists(index=mine)
        assert not await es.indices.exists(index=mine + "-2")
        assert await es.indices.exists(index=other)
        assert await _delete_indices(services.search_url, f"t{services.run_id}x.") == []
    finally:
        await es.indices.delete(index=other, ignore_unavailable=True)
        await es.close()
