"""The body decoder's nesting bound is exact and costs linear time: a 1 MiB body of tiny
containers decodes in a bounded multiple of a flat body of the same size."""

from __future__ import annotations

import time

import pytest

from app.http import MAX_JSON_DEPTH, TooDeep, decode_json, too_deep


@pytest.mark.parametrize(
    ("open_", "close"),
    [(b"[", b"]"), (b'{"a":', b"}"), (b'[{"a":', b"}]")],
)
def test_the_nesting_bound_is_exact(open_, close):
    levels = len(open_.replace(b'"a":', b""))  # brackets opened per repetition
    fits = MAX_JSON_DEPTH // levels
    assert not too_deep(open_ * fits + b"1" * (open_[-1:] == b":") + close * fits)
    over = fits + 1
    assert too_deep(open_ * over + b"1" * (open_[-1:] == b":") + close * over)


def test_brackets_inside_strings_do_not_count():
    s = b'["' + b"[" * 100 + b'\\"' + b"{" * 100 + b'", "\\\\", ' + b"[" * 30 + b"]" * 30 + b"]"
    assert decode_json(s)


def test_deeper_than_orjson_allows_is_refused_too():
    with pytest.raises(TooDeep):
        decode_json(b"[" * MAX_JSON_DEPTH * 2 + b"]" * MAX_JSON_DEPTH * 2)
    with pytest.raises(ValueError):
        decode_json(b"[" * 100_000 + b"]" * 100_000)


def best_of(n: int, body: bytes) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        decode_json(body)
        times.append(time.perf_counter() - started)
    return min(times)


def test_many_small_containers_cost_linear_time():
    size = 1024 * 1024
    flat = b'["' + b"x" * (size - 4) + b'"]'
    lists = b"[" + b",".join([b"[]"] * (size // 3)) + b"]"
    objects = b"[" + b",".join([b'{"a":{}}'] * (size // 9)) + b"]"
    deep_wide = b"[" * 30 + b",".join([b"[1]"] * (size // 4)) + b"]" * 30
    base = best_of(5, flat)
    # per-byte work stays C-speed (measured 5-10x a flat body); a Python walk of the tree,
    # with the cyclic GC running while it is built, was ~100x
    for body in (lists, objects, deep_wide):
        took = best_of(3, body)
        assert took < 30 * base, (took, base)
