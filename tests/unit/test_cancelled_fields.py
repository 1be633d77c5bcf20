"""A field cancelled under a request nobody cancelled answers an error, never a 500; a
request that is itself cancelled (client gone, shutdown) still stops."""

from __future__ import annotations

import asyncio

import pytest
import strawberry

from app.schema import Schema


@strawberry.type
class Toy:
    @strawberry.field
    async def boom(self) -> int:
        # what graphql-core does to a field sharing a DataLoader future with a failed one
        raise asyncio.CancelledError

    @strawberry.field
    async def slow(self) -> int:
        await asyncio.sleep(30)
        return 1


async def test_a_cancelled_field_answers_an_internal_error() -> None:
    result = await Schema(query=Toy).execute("{ boom }")
    assert result.data is None
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "INTERNAL_SERVER_ERROR"}


async def test_cancelling_the_request_itself_still_cancels_it() -> None:
    task = asyncio.create_task(Schema(query=Toy).execute("{ slow }"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
