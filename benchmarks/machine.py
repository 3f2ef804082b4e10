"""How fast this machine runs right now: its load average, and a fixed Python loop timed.

On a shared machine the load average can read 2 while the same work takes twice as long as
an hour before: other tenants' work does not show in it. So the benchmarks print both, at
their start and at their end, beside their figures. The notes before this module timed the
same loop at a module's top level (`python3 -c`), where it runs about 2.9 times slower than
in this function: on the AMD EPYC of 2026-12-01 that loop took 0.66 s in a quiet morning and
0.94-1.80 s in the afternoon, when this one took 0.37-0.46 s.
"""

from __future__ import annotations

import os
import time

LOOP_STEPS = 10_000_000


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def loop_seconds(steps: int = LOOP_STEPS) -> float:
    """Seconds this process takes to add up `steps` integers in a Python loop."""
    started = time.perf_counter()
    total = 0
    for i in range(steps):
        total += i
    return time.perf_counter() - started


def machine_line() -> str:
    """One line: the load average, and the loop's time (lower is a faster machine now)."""
    return f"{load_average()}; a {LOOP_STEPS // 1_000_000}M-step Python loop {loop_seconds():.2f} s"
