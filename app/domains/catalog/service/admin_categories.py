"""Staff category writes: create, rename, move and delete categories, each announced by
`catalog.CategoryChanged.v1` in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from app.domains.catalog import models as m
from app.domains.catalog.entities import Category
from app.domains.catalog.errors import (
    CategoryHasChildren,
    CategoryHasProducts,
    InvalidProductData,
    NotFound,
    Taken,
)
from app.domains.catalog.events import CategoryChanged
from app.domains.catalog.service.admin import conflicts_as_taken
from app.domains.catalog.service.queries import categories_by_ids
from app.domains.catalog.service.taxonomy import insert_category, slugify
from app.domains.catalog.service.writes import MAX_NAME_LENGTH
from app.platform.db import UnitOfWork


@conflicts_as_taken
async def create_category(
    uow: UnitOfWork, title: str, parent_id: int | None, description: str | None
) -> Category:
    """A new category under `parent_id` (or at the top); its name must be new there."""
    title = _category_title(title)
    parent: tuple[int | None, str, str] = (None, "/", "")
    depth = 0
    if parent_id is not None:
        found = (await categories_by_ids(uow, [parent_id])).get(parent_id)
        if found is None:
            raise NotFound("no category has this id", "parentId")
        path = (
            await uow.session.execute(
                sa.select(m.categories.c.path).where(m.categories.c.id == parent_id)
            )
        ).scalar_one()
        parent, depth = (parent_id, path, found.handle), found.depth + 1
    await _check_title_free(uow, parent_id, title, None)
    category_id, _, handle = await insert_category(uow, parent, depth, title)
    if description:
        await uow.session.execute(
            sa.update(m.categories)
            .where(m.categories.c.id == category_id)
            .values(description=description.strip())
        )
    uow.emit(CategoryChanged(category_id=category_id, handle=handle, change="created"))
    await uow.commit()
    return await _category(uow, category_id)


@conflicts_as_taken
async def update_category(uow: UnitOfWork, category_id: int, values: Mapping[str, Any]) -> Category:
    """Rename a category, change its description or move it with everything below it
    (`title`, `description`, `parent_id`: those given; a null parent is the top). Its
    handle stays, so links to it keep working; its name must be free under its parent."""
    stored = await _category(uow, category_id, lock=True)
    c = m.categories.c
    sets: dict[str, Any] = {}
    title = stored.title
    if "title" in values:
        title = _category_title(values["title"])
        sets.update(title=title, slug=slugify(title))
    if "description" in values:
        sets["description"] = (values["description"] or "").strip()
    parent_id = values.get("parent_id", stored.parent_id)
    if "title" in values or parent_id != stored.parent_id:
        await _check_title_free(uow, parent_id, title, category_id)
    if sets:
        await uow.session.execute(sa.update(m.categories).where(c.id == category_id).values(sets))
    if parent_id != stored.parent_id:
        await _move_category(uow, category_id, parent_id)
    uow.emit(CategoryChanged(category_id=category_id, handle=stored.handle, change="updated"))
    await uow.commit()
    return await _category(uow, category_id)


async def _move_category(uow: UnitOfWork, category_id: int, parent_id: int | None) -> None:
    """Put a category under `parent_id`: its own and its descendants' paths and depths
    follow (one statement); never below itself."""
    s = uow.session
    c = m.categories.c
    old_path, old_depth = (
        await s.execute(sa.select(c.path, c.depth).where(c.id == category_id))
    ).one()
    parent_path, parent_depth = "/", -1
    if parent_id is not None:
        row = (
            await s.execute(sa.select(c.path, c.depth).where(c.id == parent_id).with_for_update())
        ).first()
        if row is None:
            raise NotFound("no category has this id", "parentId")
        parent_path, parent_depth = row
        if parent_path.startswith(old_path):
            raise InvalidProductData("a category cannot move below itself", "parentId")
    new_path = f"{parent_path}{category_id}/"
    await s.execute(sa.update(m.categories).where(c.id == category_id).values(parent_id=parent_id))
    await s.execute(
        sa.update(m.categories)
        .where(c.path.startswith(old_path, autoescape=False))
        .values(
            path=sa.literal(new_path) + sa.func.substr(c.path, len(old_path) + 1),
            depth=c.depth + (parent_depth + 1 - old_depth),
        )
    )


@conflicts_as_taken
async def delete_category(uow: UnitOfWork, category_id: int) -> None:
    """Delete an empty category: one with categories below it or products in it is
    refused (move or delete those first), so nothing is orphaned by surprise."""
    stored = await _category(uow, category_id, lock=True)
    s = uow.session
    c = m.categories.c
    if (await s.execute(sa.select(c.id).where(c.parent_id == category_id).limit(1))).first():
        raise CategoryHasChildren("the category has categories below it", "id")
    p = m.products.c
    if (await s.execute(sa.select(p.id).where(p.category_id == category_id).limit(1))).first():
        raise CategoryHasProducts("the category has products", "id")
    await s.execute(sa.delete(m.categories).where(c.id == category_id))
    uow.emit(CategoryChanged(category_id=category_id, handle=stored.handle, change="deleted"))
    await uow.commit()


def _category_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidProductData("title cannot be empty", "title")
    if len(title) > MAX_NAME_LENGTH:
        raise InvalidProductData(f"title has more than {MAX_NAME_LENGTH} characters", "title")
    return title


async def _check_title_free(
    uow: UnitOfWork, parent_id: int | None, title: str, category_id: int | None
) -> None:
    """Categories are found by (parent, slug): two siblings may not share a name's slug."""
    c = m.categories.c
    taken = await uow.session.execute(
        sa.select(c.id).where(
            c.parent_id.is_not_distinct_from(parent_id),
            c.slug == slugify(title),
            c.id.is_distinct_from(category_id),
        )
    )
    if taken.first() is not None:
        raise Taken(f"a category named {title!r} is already there", "title")


async def _category(uow: UnitOfWork, category_id: int, *, lock: bool = False) -> Category:
    if lock:
        c = m.categories.c
        await uow.session.execute(sa.select(c.id).where(c.id == category_id).with_for_update())
    found = (await categories_by_ids(uow, [category_id])).get(category_id)
    if found is None:
        raise NotFound("no category has this id", "id")
    return found
