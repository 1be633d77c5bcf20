"""Planned execution of read operations (issue 10): see plan.py and declare.py."""

from app.planner.declare import batched, computed, each, planned
from app.planner.planner import FALLBACK, PLANNED, Planner, PlannerExtension

__all__ = [
    "FALLBACK",
    "PLANNED",
    "Planner",
    "PlannerExtension",
    "batched",
    "computed",
    "each",
    "planned",
]
