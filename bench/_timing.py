"""Timing helpers shared by the bench scripts: per-run milliseconds and their percentiles."""

import time


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile of `values`, nearest rank (one of the values, not interpolated)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_times_ms(runs: int, func, *args) -> list[float]:
    """Calls `func(*args)` `runs` times; the milliseconds each call took, in order."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func(*args)
        times.append((time.perf_counter() - started) * 1000)
    return times
