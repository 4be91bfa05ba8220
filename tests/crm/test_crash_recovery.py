"""Crash recovery settings (issue 15, item 8): the Redis visibility timeout covers the longest
hard time limit (a long task is not delivered twice; a killed worker's task comes back a minute
after that, not at an unrelated default), and every database connection is health-checked so a
cut connection costs no 500. (Abandoned tier runs: tests/tiering/test_abandoned_runs.py.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from crm.celery import app
from tests.crm.test_task_limits import OURS

ROOT = Path(__file__).resolve().parents[2]


def our_tasks():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if name.startswith(OURS)}


def test_the_longest_hard_limit_setting_is_the_longest_tasks():
    """(tests/crm/test_task_limits.py checks that every task has its limits.)"""
    tasks = our_tasks()
    assert "tiering.tasks.fail_abandoned_runs" in tasks
    longest = max(task.time_limit for task in tasks.values())
    assert longest == settings.CELERY_LONGEST_TASK_TIME_LIMIT


def production_settings(**env) -> dict:
    """crm.settings as a process with `env` (production's URLs) loads them, in a fresh
    interpreter (DEBUG keeps its embedded default so no secrets are needed)."""
    code = (
        "import json\n"
        "from crm import settings as s\n"
        "print(json.dumps({'transport': getattr(s, 'CELERY_BROKER_TRANSPORT_OPTIONS', {}),"
        " 'health': {k: d.get('CONN_HEALTH_CHECKS') for k, d in s.DATABASES.items()}}))\n"
    )
    environ = {**os.environ, **env}
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_redis_visibility_timeout_covers_the_longest_hard_limit_and_connections_are_checked():
    loaded = production_settings(
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://app@db.invalid:5432/fiducia",
        DATABASE_REPLICA_URL="postgres://app@replica.invalid:5432/fiducia",
    )
    longest = max(task.time_limit for task in our_tasks().values())
    timeout = loaded["transport"]["visibility_timeout"]
    # Never shorter (a long task would run twice), and minutes, not hours, beyond it.
    assert longest <= timeout <= longest + 300
    assert loaded["health"] == {"default": True, "replica": True}


def test_the_test_databases_are_health_checked_too():
    assert all(db["CONN_HEALTH_CHECKS"] for db in settings.DATABASES.values())
