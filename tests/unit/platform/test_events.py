import uuid

import pytest

from app.domains.catalog import ProductChanged
from app.platform.events import Event, event_from_envelope


def test_envelope_round_trip_keeps_id_type_and_payload():
    e = ProductChanged(product_id=7, handle="red-shirt", change="created")
    env = e.envelope()
    assert env["type"] == "catalog.ProductChanged.v1"
    assert env["payload"] == {"product_id": 7, "handle": "red-shirt", "change": "created"}
    back = event_from_envelope(env)
    assert back == e


def test_unknown_type_is_an_error():
    with pytest.raises(LookupError):
        event_from_envelope(
            {
                "id": str(uuid.uuid4()),
                "type": "nope.X.v1",
                "occurred_at": "2026-01-01T00:00:00+00:00",
                "payload": {},
            }
        )


def test_a_type_name_cannot_be_declared_twice():
    with pytest.raises(TypeError, match="declared twice"):

        class Again(Event):
            type_name = "catalog.ProductChanged.v1"
