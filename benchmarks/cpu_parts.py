"""CPU seconds that each part of a benchmark's deployment used during a run.

    parts = CpuParts({"web nodes": [pid, ...], "worker": [pid]}, names={"nginx", "postgres"})
    before = parts.read(); ...run...; print(parts.since(before))

A part is process trees (a root and everything under it) or every process with a given
name. A process's own CPU time and the time of the children it has reaped count, so the
connection processes PostgreSQL's postmaster started and reaped during the run are in.
`load generator` is what this process's reaped children used (wrk, run to its end by
`subprocess.run`), and `all` the machine's busy time, so the rest is what nothing named
used (this script, the kernel's threads, other users of the machine).
"""

from __future__ import annotations

import resource
from collections.abc import Iterable

import psutil


def _busy(times: psutil._common.pcputimes) -> float:  # type: ignore[name-defined]
    return float(times.user + times.system + times.children_user + times.children_system)


def _tree_seconds(pids: Iterable[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        for process in processes:
            try:
                total += _busy(process.cpu_times())
            except psutil.Error:
                continue
    return total


def _named_seconds(name: str) -> float:
    total = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != name:
            continue
        try:
            total += _busy(process.cpu_times())
        except psutil.Error:
            continue
    return total


def _machine_seconds() -> float:
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0) + getattr(times, "steal", 0.0)
    return float(sum(times) - idle)


class CpuParts:
    def __init__(self, trees: dict[str, list[int]], names: Iterable[str] = ()) -> None:
        self.trees = trees
        self.names = list(names)

    def read(self) -> dict[str, float]:
        seconds = {part: _tree_seconds(pids) for part, pids in self.trees.items()}
        seconds |= {name: _named_seconds(name) for name in self.names}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds["load generator"] = children.ru_utime + children.ru_stime
        seconds["all"] = _machine_seconds()
        return seconds

    def since(self, before: dict[str, float]) -> str:
        now = self.read()
        used = {part: max(0.0, now[part] - before[part]) for part in now}
        named = sum(v for part, v in used.items() if part != "all")
        shown = [f"{part} {seconds:.0f} s" for part, seconds in used.items() if part != "all"]
        shown.append(f"the rest {max(0.0, used['all'] - named):.0f} s")
        return f"CPU used: {', '.join(shown)} (machine {used['all']:.0f} s)"
