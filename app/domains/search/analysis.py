"""The one text analysis, in Python, for both backends: index time and query time.

The test Elasticsearch has no stemming, folding or synonym filters, so documents carry
pre-analysed terms (indexed with the whitespace analyzer) and queries are analysed here
the same way; Postgres stores the same terms in a tsvector. One analysis, one behaviour.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

# a word: letters/digits, optionally joined by hyphens or apostrophes ("t-shirt", "men's")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_JOINERS = re.compile(r"['’-]")
# longer words are noise (or an attack), not something a shopper typed
MAX_WORD = 40
MAX_QUERY_WORDS = 16


def fold(text: str) -> str:
    """Lowercase and strip accents: "Café" → "cafe", "Ǆ" → "dž" → "dz"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def words(text: str) -> list[str]:
    """Folded words, unstemmed; compounds joined ("T-Shirt" → "tshirt")."""
    return [
        _JOINERS.sub("", w)[:MAX_WORD] for w in _WORD.findall(fold(text)) if len(w) <= 4 * MAX_WORD
    ]


def index_terms(text: str | None) -> list[str]:
    """What a document field is indexed as: each word stemmed, and a compound's parts
    too, so "t-shirt" is found by "tshirt", "t-shirt" and "shirt"."""
    if not text:
        return []
    out: list[str] = []
    for raw in _WORD.findall(fold(text)):
        if len(raw) > 4 * MAX_WORD:
            continue
        out.append(stem(_JOINERS.sub("", raw)[:MAX_WORD]))
        parts = _JOINERS.split(raw)
        if len(parts) > 1:
            out.extend(stem(p[:MAX_WORD]) for p in parts if len(p) > 1)
    return out


def parse_synonyms(lines: Iterable[str]) -> dict[str, frozenset[str]]:
    """Synonym groups, one per line, comma-separated ("sofa, couch, settee"). Every word
    of a group finds the others. Terms go through the same analysis as the documents, so
    "Tee" matches "tees"; multi-word entries are joined into one term."""
    groups: dict[str, set[str]] = {}
    for line in lines:
        line = line.split("#", 1)[0]
        terms = {"".join(stem(w) for w in words(t)) for t in line.split(",")}
        terms.discard("")
        if len(terms) < 2:
            continue
        merged = set(terms)
        for t in terms:
            merged |= groups.get(t, set())
        for t in merged:
            groups[t] = merged
    return {t: frozenset(g) for t, g in groups.items()}


@dataclass(frozen=True)
class Analyzer:
    """Query analysis: the query's terms, each with its synonyms as alternatives."""

    synonyms: dict[str, frozenset[str]] = field(default_factory=dict)

    def parse(self, text: str | None) -> list[tuple[str, frozenset[str]]]:
        """One entry per query word (at most MAX_QUERY_WORDS): the folded word and the
        terms that satisfy it. Every entry must match (AND); any of its terms will do (OR)."""
        out: list[tuple[str, frozenset[str]]] = []
        for w in words(text or "")[:MAX_QUERY_WORDS]:
            term = stem(w)
            alts = frozenset(self.synonyms.get(term, frozenset()) | {term})
            if all(alts != a for _, a in out):
                out.append((w, alts))
        return out

    def query(self, text: str | None) -> list[frozenset[str]]:
        return [alts for _, alts in self.parse(text)]

    def prefix_text(self, text: str | None) -> str:
        """The typed text as suggestions are written: folded words, compounds joined."""
        return " ".join(words(text or "")[:MAX_QUERY_WORDS])

    def prefix(self, text: str | None) -> tuple[list[tuple[str, frozenset[str]]], str]:
        """For search-as-you-type: the complete words (parsed) and the last, unfinished
        word folded but not stemmed (a prefix of what the shopper is typing)."""
        ws = words(text or "")[:MAX_QUERY_WORDS]
        if not ws:
            return [], ""
        complete = text is not None and not text[-1:].isalnum()
        if complete:
            return self.parse(" ".join(ws)), ""
        return self.parse(" ".join(ws[:-1])), ws[-1]


def one_edit(term: str) -> set[str]:
    """Every string one edit from `term` (delete, transpose, replace, insert): the typo
    candidates a vocabulary lookup checks when the backend has no fuzzy matching."""
    letters = set("abcdefghijklmnopqrstuvwxyz0123456789") | set(term)
    splits = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    out.discard(term)
    return out
