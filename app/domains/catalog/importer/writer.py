"""`import_file`: pick the parser by file type and write products in batches.

Writing goes through `upsert_products`, `batch_size` products per transaction; a product
the database refuses costs only that product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlalchemy.exc import DataError, IntegrityError

from app.domains.catalog.errors import CatalogError
from app.domains.catalog.importer.csv_rows import parse_csv
from app.domains.catalog.importer.fields import (
    ImportFileError,
    ImportReport,
    Parsed,
    ParsedProduct,
    ParseStats,
    RowError,
)
from app.domains.catalog.importer.jsonl_rows import parse_jsonl
from app.domains.catalog.service import upsert_product, upsert_products
from app.platform.db import Database

_CONTEXT = "catalog"  # the package's CONTEXT; a literal so the package may import this module
_PARSERS: dict[str, Callable[[Iterable[str], ParseStats], Iterator[Parsed]]] = {
    ".csv": parse_csv,
    ".jsonl": parse_jsonl,
    ".ndjson": parse_jsonl,
}
# what one product can break at write time; anything else (a lost connection) stops the import
_PRODUCT_FAILURES = (CatalogError, IntegrityError, DataError)


async def import_file(
    db: Database,
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 100,
) -> ImportReport:
    """Import products from `path` (.csv or .jsonl), creating or updating by handle.

    Every good row lands, every bad row is reported with its line and skipped; a product
    the database refuses (its SKU belongs to another product) costs only that product.
    """
    parse = _PARSERS.get(path.suffix.lower())
    if parse is None:
        raise ImportFileError(f'cannot import "{path.name}": expected a .csv or .jsonl file')
    report = ImportReport()
    stats = ParseStats()
    batch: list[ParsedProduct] = []
    # surrogateescape: a bad byte fails its own row (see fields.unreadable), not the whole file
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        for item in parse(fh, stats):
            if isinstance(item, RowError):
                report.errors.append(item)
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                await _write(db, batch, report)
                batch = []
                if progress is not None:
                    progress(stats.rows, 0)
    if batch:
        await _write(db, batch, report)
    report.rows = stats.rows
    report.notices = list(dict.fromkeys(stats.notices))
    report.stock = dict(stats.stock)
    report.errors.sort(key=lambda e: e.line)
    if progress is not None:
        progress(stats.rows, stats.rows)
    return report


async def _write(db: Database, batch: list[ParsedProduct], report: ImportReport) -> None:
    async with db.uow(_CONTEXT) as uow:
        try:
            results = await upsert_products(uow, [p.draft for p in batch])
            await uow.commit()
        except _PRODUCT_FAILURES:
            await uow.rollback()
        else:
            _tally(report, results)
            return
        # one product sank the batch: again, each product in its own savepoint
        results = []
        for p in batch:
            try:
                async with uow.session.begin_nested():
                    results.append(await upsert_product(uow, p.draft))
            except _PRODUCT_FAILURES as exc:
                reason = exc.message if isinstance(exc, CatalogError) else _db_reason(exc)
                report.errors.extend(RowError(line, reason) for line in p.lines)
        await uow.commit()
        _tally(report, results)


def _tally(report: ImportReport, results: list[tuple[int, bool]]) -> None:
    report.created += sum(1 for _, created in results if created)
    report.updated += sum(1 for _, created in results if not created)


def _db_reason(exc: Exception) -> str:
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()
    return f"rejected by the database: {detail[0] if detail else type(exc).__name__}"
