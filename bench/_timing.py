"""Timing helpers shared by the bench scripts: per-run milliseconds and their percentiles."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


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


def measure_page(client, name, url, runs: int, params=None):
    """One warm-up request, one with its queries captured (it must answer 200), then `runs`
    timed ones; returns the captured response, its queries and the timed runs' milliseconds."""
    client.get(url, params)  # warm-up
    connection.queries_log.clear()  # a full log (maxlen) would make the capture look empty
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    queries = ctx.captured_queries  # read now: the property reads the live log
    assert response.status_code == 200, (name, response.status_code)
    return response, queries, run_times_ms(runs, client.get, url, params)
