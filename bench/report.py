"""The result file (bench/results/<date>-catalog.json) and the table printed at the end."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.loadgen import Result


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def machine(root: Path, wrk_version: str) -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_implementation": sys.implementation.name,
        "git_commit": _git(root, "rev-parse", "HEAD"),
        "git_dirty": bool(_git(root, "status", "--porcelain", "--untracked-files=no")),
        "wrk": wrk_version,
    }


def scenarios(results: dict[str, Result]) -> dict[str, dict[str, Any]]:
    """Per scenario figures, each with its ratios to the two ceilings: hello-world, and
    strawberry answering the same query from memory."""
    hello = results["hello"].req_per_s
    inmem = results["strawberry"].req_per_s if "strawberry" in results else 0.0
    out: dict[str, dict[str, Any]] = {}
    for name, r in results.items():
        out[name] = {
            **r.as_dict(),
            "req_per_s": round(r.req_per_s, 2),
            "ratio_to_hello": round(r.req_per_s / hello, 5) if hello else None,
            "ratio_to_strawberry_in_memory": round(r.req_per_s / inmem, 4) if inmem else None,
        }
    return out


def write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(path)


def table(scen: dict[str, dict[str, Any]]) -> str:
    head = (
        f"{'scenario':<17} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7} {'requests':>9}"
    )
    lines = [head, "-" * len(head)]
    for name, s in scen.items():
        lines.append(
            f"{name:<17} {s['req_per_s']:>10.1f} {s['p50_ms']:>9.2f} {s['p99_ms']:>9.2f} "
            f"{s['errors']:>7} {s['requests']:>9}"
        )
    if "catalog" in scen and scen["catalog"]["ratio_to_hello"] is not None:
        ratio = scen["catalog"]["ratio_to_hello"]
        lines.append(f"catalog / hello = {ratio:.4f}  (1 : {1 / ratio:.0f})" if ratio else "")
    if "cart" in scen and scen["cart"]["ratio_to_hello"]:
        ratio = scen["cart"]["ratio_to_hello"]
        lines.append(f"cart / hello = {ratio:.4f}  (1 : {1 / ratio:.0f})")
    if "catalog" in scen and scen["catalog"].get("ratio_to_strawberry_in_memory"):
        lines.append(
            f"catalog / strawberry in memory = {scen['catalog']['ratio_to_strawberry_in_memory']:.3f}"
        )
    cached = scen.get("catalog-cached")
    if cached and cached["ratio_to_hello"]:
        ratio = cached["ratio_to_hello"]
        goal = "meets" if ratio >= 0.5 else "misses"
        lines.append(f"catalog-cached / hello = {ratio:.3f}  ({goal} the goal of 0.5)")
        if scen.get("catalog", {}).get("req_per_s"):
            times = cached["req_per_s"] / scen["catalog"]["req_per_s"]
            lines.append(f"catalog-cached / catalog = {times:.0f}x")
    for a, b in (("catalog-planned", "catalog"), ("product-planned", "product")):
        if a in scen and b in scen and scen[b]["req_per_s"]:
            lines.append(f"{a} / {b} = {scen[a]['req_per_s'] / scen[b]['req_per_s']:.2f}")
    if "catalog-planned" in scen and scen["catalog-planned"].get("ratio_to_strawberry_in_memory"):
        r = scen["catalog-planned"]["ratio_to_strawberry_in_memory"]
        lines.append(f"catalog-planned / strawberry in memory = {r:.3f}")
    return "\n".join(lines)
