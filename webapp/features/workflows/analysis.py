"""Workflow analysis: problems a workflow's graph has.

* orphaned: a status no transition enters or leaves (only when the workflow has
  transitions at all);
* unreachable: a status that cannot be reached from the initial status by following
  transitions ("from any" transitions lead out of every status but their target);
* dead end: a status that is not final and has no way out.
Also reported: no initial status, no final status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Analysis:
    orphaned: list[Mapping[str, Any]] = field(default_factory=list)
    unreachable: list[Mapping[str, Any]] = field(default_factory=list)
    dead_ends: list[Mapping[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.orphaned or self.unreachable or self.dead_ends or self.warnings)


def successors(statuses: Iterable[Mapping[str, Any]],
               transitions: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    ids = [s["$id"] for s in statuses]
    out: dict[str, set[str]] = {i: set() for i in ids}
    for t in transitions:
        target = t["to_status_id"]
        sources = ids if not t.get("from_status_id") else [t["from_status_id"]]
        for source in sources:
            if source in out and source != target and target in out:
                out[source].add(target)
    return out


def analyse(statuses: Sequence[Mapping[str, Any]],
            transitions: Sequence[Mapping[str, Any]]) -> Analysis:
    result = Analysis()
    if not statuses:
        result.warnings.append("The workflow has no statuses.")
        return result
    nexts = successors(statuses, transitions)
    initial = next((s for s in statuses if s.get("is_initial")), None)
    if initial is None:
        result.warnings.append("No status is marked initial; new work items start in the "
                               "first status.")
    if not any(s.get("is_final") for s in statuses):
        result.warnings.append("No status is marked final.")
    if transitions:
        touched = set()
        for t in transitions:
            touched.add(t["to_status_id"])
            if t.get("from_status_id"):
                touched.add(t["from_status_id"])
            else:
                touched.update(nexts)
        result.orphaned = [s for s in statuses if s["$id"] not in touched]
    start = (initial or statuses[0])["$id"]
    seen, todo = {start}, [start]
    while todo:
        for target in nexts[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    if transitions:
        result.unreachable = [s for s in statuses if s["$id"] not in seen]
        result.dead_ends = [s for s in statuses if not s.get("is_final") and not nexts[s["$id"]]]
    return result
