"""Celery application. Broker and schedule come from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_identifiers_in_worker_logs(logger, **kwargs):
    """A worker sets up its own log handlers (not settings.LOGGING's): they mask identifiers
    and drop query strings too (crm.log_filters)."""
    from crm.log_filters import MaskIdentifiers

    for handler in logger.handlers:
        if not any(isinstance(f, MaskIdentifiers) for f in handler.filters):
            handler.addFilter(MaskIdentifiers())
