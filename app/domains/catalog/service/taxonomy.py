"""Slugs, brands and categories: the names products are filed under, created on first use."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.domains.catalog import models as m
from app.platform.db import UnitOfWork

_NOT_WORD = re.compile(r"[\W_]+")
_MAX_HANDLE_TRIES = 50


def slugify(text: str) -> str:
    """A URL-safe slug that keeps every script: "Κουζίνα" → "κουζίνα", "Home & Garden" →
    "home-garden". Never empty: a name with no letters or digits at all ("★★") gets a stable
    slug from its hash, so distinct names never merge into one "" slug."""
    normal = unicodedata.normalize("NFKC", text).strip()
    slug = _NOT_WORD.sub("-", normal.lower()).strip("-")
    if slug:
        return slug
    return "x-" + hashlib.blake2b(normal.encode(), digest_size=5).hexdigest()


async def ensure_brands(uow: UnitOfWork, names: Sequence[str]) -> dict[str, int]:
    """Brand ids by name, creating the missing ones (two statements for any number)."""
    if not names:
        return {}
    by_handle = {slugify(n): n for n in names}
    b = m.brands
    await uow.session.execute(
        insert(b)
        .values([{"handle": h, "name": n} for h, n in by_handle.items()])
        .on_conflict_do_nothing(index_elements=["handle"])
    )
    rows = await uow.session.execute(
        sa.select(b.c.id, b.c.handle).where(b.c.handle.in_(list(by_handle)))
    )
    ids = {r.handle: r.id for r in rows}
    return {n: ids[slugify(n)] for n in names}


async def ensure_category_path(uow: UnitOfWork, titles: Sequence[str]) -> int | None:
    """The category at the end of a title path ("Apparel > Men"), creating what is missing.

    Each level is found by (parent, slug). A new category's handle is the path's slugs
    joined, with "-2", "-3"… when another path already joins to the same handle.
    Safe under concurrent imports: inserts skip conflicts and then read the winner.
    """
    parent_id: int | None = None
    path, parent_handle = "/", ""
    for depth, title in enumerate(titles):
        slug = slugify(title)
        found = await _category(uow, parent_id, slug)
        if found is None:
            found = await insert_category(uow, (parent_id, path, parent_handle), depth, title)
        parent_id, path, parent_handle = found
    return parent_id


async def insert_category(
    uow: UnitOfWork, parent: tuple[int | None, str, str], depth: int, title: str
) -> tuple[int, str, str]:
    """Create `title` under `parent` (id, path, handle), or find the one a concurrent writer
    just created: (id, path, handle). The handle is the parent's handle and the slug joined,
    with "-2", "-3"… when another path already joins to the same handle."""
    c = m.categories
    s = uow.session
    parent_id, path, parent_handle = parent
    slug = slugify(title)
    base = f"{parent_handle}-{slug}" if parent_handle else slug
    found = None
    tries = 0
    while found is None:
        tries += 1
        if tries > _MAX_HANDLE_TRIES:
            raise RuntimeError(f"no free handle for category {base!r}")
        handle = base if tries == 1 else f"{base}-{tries}"
        new_id = (
            await s.execute(
                insert(c)
                .values(
                    handle=handle, slug=slug, title=title, parent_id=parent_id, path="", depth=depth
                )
                .on_conflict_do_nothing()
                .returning(c.c.id)
            )
        ).scalar_one_or_none()
        if new_id is not None:
            new_path = f"{path}{new_id}/"
            await s.execute(sa.update(c).where(c.c.id == new_id).values(path=new_path))
            found = (new_id, new_path, handle)
        else:  # either someone else created this (parent, slug), or the handle is taken
            found = await _category(uow, parent_id, slug)
    return found


async def _category(
    uow: UnitOfWork, parent_id: int | None, slug: str
) -> tuple[int, str, str] | None:
    c = m.categories.c
    row = (
        await uow.session.execute(
            sa.select(c.id, c.path, c.handle).where(
                c.parent_id.is_not_distinct_from(parent_id), c.slug == slug
            )
        )
    ).first()
    return None if row is None else (row.id, row.path, row.handle)
