"""A document's analysed fields: computed once here, stored by either backend."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.domains.search.analysis import fold, index_terms, words
from app.domains.search.entities import SearchDocument

_CENT = Decimal("0.01")


def cents(price: Decimal) -> int:
    return int((price / _CENT).to_integral_value())


def price_of(cents_: int) -> Decimal:
    return (Decimal(cents_) * _CENT).quantize(_CENT)


@dataclass(frozen=True, slots=True)
class AnalysedFields:
    title_terms: list[str]
    # vendor, type, tags, categories, option values: what a product *is*
    meta_terms: list[str]
    body_terms: list[str]
    # unstemmed, for prefixes as the shopper types
    words: list[str]
    title_sort: str
    option_pairs: list[str]
    suggest: list[str]
    # every folded word of the document, unstemmed: what a typo is corrected towards
    vocabulary: list[str]


def option_key(name: str, value: str) -> str:
    return f"{name}\x1f{value}"


def fields_of(d: SearchDocument) -> AnalysedFields:
    meta_text = " ".join(
        [d.vendor or "", d.product_type or "", *d.tags, *d.category_titles]
        + [v for _, v in d.options]
    )
    suggest = [" ".join(words(d.title))]
    if d.vendor:
        suggest.append(" ".join(words(d.vendor)))
    suggest += [" ".join(words(t)) for t in d.category_titles]
    return AnalysedFields(
        title_terms=index_terms(d.title),
        meta_terms=index_terms(meta_text),
        body_terms=index_terms(d.description)[:5000],
        words=words(f"{d.title} {d.vendor or ''} {' '.join(d.category_titles)}"),
        title_sort=fold(d.title).strip()[:200],
        option_pairs=sorted({option_key(n, v) for n, v in d.options}),
        suggest=[s for s in dict.fromkeys(suggest) if s],
        vocabulary=sorted(set(words(f"{d.title} {meta_text} {d.description[:20_000]}"))),
    )
