import datetime

import pytest

from customers.records.feeds import services

DAY = datetime.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def feeds_storage(settings, tmp_path):
    """Each test gets its own inbox folder (the "feeds" storage)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "feeds": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "feeds")},
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("feeds", None)
    yield tmp_path / "feeds"
    storages._storages.pop("feeds", None)


@pytest.fixture
def feed(django_capture_on_commit_callbacks):
    """feed(kind, text or bytes, day=DAY) → the run after receiving and loading the file."""

    def _feed(kind, content, day=DAY, name=None, user=None, encoding="utf-8"):
        data = content.encode(encoding) if isinstance(content, str) else content
        run = services.feed_receive(
            kind=kind,
            business_date=day,
            filename=name or f"{kind}.csv",
            content=data,
            acting_user=user,
        )
        run.refresh_from_db()
        return services.feed_load(run.pk)

    return _feed
