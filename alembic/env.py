"""One migration history, one branch per bounded context.

Each context's branch (labelled with the context name) migrates that context's schema
on that context's database (`DATABASE_URL_<CONTEXT>` or `DATABASE_URL`), and keeps its
version table inside its own schema, so a context can move to its own database.
"""

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import context

config = context.config
ctx_name: str = config.attributes["context"]
url: str = config.attributes["url"]


def _run(connection: sa.Connection) -> None:
    # replicas may start together: one migrates a context, the others wait and find it done
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": ctx_name})
    connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{ctx_name}"'))
    context.configure(
        connection=connection,
        version_table="alembic_version",
        version_table_schema=ctx_name,
        include_schemas=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


asyncio.run(_main())
