"""Bounded contexts. Each owns one Postgres schema; see ARCHITECTURE.md."""

# Contexts that own tables (and so an outbox the relay drains). Grows as contexts land.
CONTEXTS_WITH_TABLES: tuple[str, ...] = (
    "catalog",
    "customers",
    "search",
    "cart",
    "pricing",
    "inventory",
    "payments",
    "orders",
    "checkout",
)
