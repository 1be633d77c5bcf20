"""The front door's shared parts, built once per process from settings: the rate-limit
buckets, the persisted-query store and the response cache; and what it decides for one
operation (`admit`: spend its cost, or refuse it THROTTLED)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from redis.asyncio import Redis

from app.platform.apq import PersistedQueries
from app.platform.ratelimit import Decision, TokenBucket
from app.platform.response_cache import ResponseCache
from app.platform.settings import Settings

# sign-in, sign-up and password reset: their own, tighter bucket of attempts per client IP
AUTH_FIELDS = frozenset(
    {
        "customerAccessTokenCreate",
        "staffAccessTokenCreate",
        "customerCreate",
        "customerRecover",
        "customerReset",
    }
)


@dataclass
class RequestFront:
    """What the front door learns about one HTTP request while it runs."""

    operation: Any = None  # app.schema.guards.Operation
    cost: int | None = None
    result: dict[str, Any] | None = None  # the formatted answer, before encoding
    persisted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Admission:
    cost: int
    decision: Decision | None  # None: rate limits off
    refusal: GraphQLError | None = None

    def cost_extension(self) -> dict[str, Any]:
        """Shopify's `extensions.cost`. The actual cost is the static one the request was
        charged (or 0 if it was refused and nothing ran)."""
        ext: dict[str, Any] = {
            "requestedQueryCost": self.cost,
            "actualQueryCost": 0 if self.refusal is not None else self.cost,
        }
        if self.decision is not None:
            ext["throttleStatus"] = self.decision.status()
        return ext


def client_of(context: Any) -> str:
    """Whose budget: the access token's subject, else the client's IP."""
    viewer = getattr(context, "viewer", None)
    if viewer is not None and not viewer.anonymous and viewer.id is not None:
        return f"{viewer.kind}:{viewer.id}"
    return f"ip:{ip_of(context)}"


def ip_of(context: Any) -> str:
    client = getattr(getattr(context, "request", None), "client", None)
    return str(getattr(client, "host", None) or "unknown")


def throttled(decision: Decision, what: str) -> GraphQLError:
    return GraphQLError(
        f"Throttled: {what}; retry in {decision.retry_after_header} s",
        extensions={"code": "THROTTLED", "retryAfter": decision.retry_after},
    )


class FrontDoor:
    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.settings = settings
        prefix = settings.queue_prefix
        self.budget = TokenBucket(
            redis,
            "cost",
            settings.rate_limit_capacity,
            settings.rate_limit_restore_rate,
            prefix=prefix,
        )
        # in the customers' throttle namespace, beside the sign-in failure counts
        self.auth = TokenBucket(
            redis,
            "attempts",
            settings.auth_rate_limit_capacity,
            settings.auth_rate_limit_restore_rate,
            prefix=f"{prefix}customers:",
        )
        self.persisted = PersistedQueries(
            redis,
            prefix=prefix,
            allowlist_only=settings.persisted_queries_only,
            ttl=settings.persisted_query_ttl,
        )
        self.cache = ResponseCache(
            redis,
            prefix=prefix,
            ttl=settings.response_cache_ttl,
            local_size=settings.response_cache_local_entries,
        )

    def request_context(self) -> tuple[str, ...]:
        """What besides the query decides an anonymous answer (part of the cache key)."""
        return (self.settings.currency_code,)

    async def admit(self, context: Any, operation: Any, cost: int) -> Admission:
        front = getattr(context, "extra", {}).get("front")
        if front is not None:
            front.operation, front.cost = operation, cost
        if not self.settings.rate_limit_enabled:
            return Admission(cost, None)
        if operation is not None and operation.root_fields & AUTH_FIELDS:
            attempts = await self.auth.spend(ip_of(context), 1)
            if not attempts.allowed:
                return self._refuse(context, cost, attempts, "too many sign-in attempts")
        decision = await self.budget.spend(client_of(context), cost)
        if not decision.allowed:
            return self._refuse(context, cost, decision, "the query cost budget is spent")
        return Admission(cost, decision)

    def _refuse(self, context: Any, cost: int, decision: Decision, what: str) -> Admission:
        response = getattr(context, "response", None)
        request = getattr(context, "request", None)
        if request is not None and request.scope.get("type") == "http" and response is not None:
            response.status_code = 429
            response.headers["retry-after"] = decision.retry_after_header
        return Admission(cost, decision, throttled(decision, what))
