"""The checkout bench's pure helpers: percentiles by nearest rank and pgbench's tps line."""

from __future__ import annotations

import pytest

from bench.checkout import parse_pgbench_tps, percentile
from bench.procs import BenchError


def test_percentile_is_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == 5.0
    assert percentile(values, 1) == 1.0
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 50) is None


def test_pgbench_tps_without_connection_time():
    out = (
        "number of transactions actually processed: 10452\n"
        "latency average = 1.913 ms\n"
        "initial connection time = 12.345 ms\n"
        "tps = 2090.712345 (without initial connection time)\n"
    )
    assert parse_pgbench_tps(out) == pytest.approx(2090.712345)
    with pytest.raises(BenchError):
        parse_pgbench_tps("pgbench: error: connection refused")
