"""Run every context's migration branch against that context's database."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from alembic.config import Config

from alembic import command
from app.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(context: str, url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    versions = ROOT / "alembic" / "versions"
    cfg.set_main_option(
        "version_locations", " ".join(str(p) for p in sorted(versions.iterdir()) if p.is_dir())
    )
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["context"] = context
    cfg.attributes["url"] = url
    return cfg


def _upgrade(settings: Settings, contexts: Sequence[str]) -> None:
    for context in contexts:
        command.upgrade(
            alembic_config(context, settings.database_url_for(context)), f"{context}@head"
        )


async def migrate(settings: Settings, contexts: Sequence[str]) -> None:
    """Bring every context's schema to head. Safe to run on every start (no-op when current)."""
    # alembic's env.py runs its own event loop, so it runs in a thread
    await asyncio.to_thread(_upgrade, settings, contexts)
