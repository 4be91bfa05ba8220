"""Every Celery task of ours has soft and hard time limits, and tasks that retry are bounded."""

import inspect

from django.conf import settings

from crm.celery import app

OURS = ("crm.", "customers.", "tiering.", "complaints.", "compliance.")


def _our_tasks():
    app.loader.import_default_modules()
    tasks = {name: task for name, task in app.tasks.items() if name.startswith(OURS)}
    assert len(tasks) >= 15, sorted(tasks)
    return tasks


def test_every_task_has_a_soft_and_a_hard_time_limit():
    for name, task in _our_tasks().items():
        assert task.soft_time_limit, f"{name} has no soft_time_limit"
        assert task.time_limit, f"{name} has no time_limit"
        assert task.soft_time_limit < task.time_limit, name


def test_tasks_that_retry_are_bounded():
    for name, task in _our_tasks().items():
        if "retry(" in inspect.getsource(task.run):
            assert task.max_retries is not None, f"{name} retries without a bound"


def test_defaults_for_tasks_without_their_own():
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
