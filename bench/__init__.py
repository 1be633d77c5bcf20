"""Benchmark runner: `python -m bench` (see bench/README.md)."""
