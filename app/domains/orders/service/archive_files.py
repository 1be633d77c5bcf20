"""Archive files: one gzip JSONL file per archived month, in a folder given as a path or a
`file://` URL. (Object stores would plug in here by URL scheme; only files are built.)"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from app.domains.orders.errors import ArchiveError


def folder_of(location: str) -> Path:
    """The folder a location names: a plain path or `file:///…`; other schemes refused."""
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:  # "C:" is a drive, not a scheme
        raise ArchiveError(
            f"archive location {location!r}: only folders and file:// URLs are supported",
            "to",
        )
    return Path(location)


def _write(path: Path, lines: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    n = 0
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        for d in lines:
            out.write(json.dumps(d, separators=(",", ":"), sort_keys=True) + "\n")
            n += 1
    tmp.replace(path)  # whole file or none: a crash never leaves half an archive
    return n


async def write_archive(path: Path, lines: list[dict[str, Any]]) -> int:
    return await asyncio.to_thread(_write, path, lines)


def _find(path: str, order_id: int) -> dict[str, Any] | None:
    # a month's file is scanned line by line: cold storage, read rarely
    needle = f'"id":{order_id},'
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if needle in line:
                    d = json.loads(line)
                    if d.get("id") == order_id:
                        return d  # type: ignore[no-any-return]
    except FileNotFoundError:
        return None
    return None


async def read_archived(path: str, order_id: int) -> dict[str, Any] | None:
    return await asyncio.to_thread(_find, path, order_id)
