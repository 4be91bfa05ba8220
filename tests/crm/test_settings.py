"""Settings come from the environment: both database modes, production hardening, check --deploy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, crm.settings as s; print(json.dumps({"
    "'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
    "'user': s.DATABASES['default'].get('USER', ''), 'app_role': s.FIDUCIA_DB_APP_ROLE,"
    "'host': s.DATABASES['default'].get('HOST', ''), 'debug': s.DEBUG,"
    "'broker': s.CELERY_BROKER_URL, 'secure_cookie': getattr(s, 'SESSION_COOKIE_SECURE', False),"
    "'language': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE,"
    "'broker_options': getattr(s, 'CELERY_BROKER_TRANSPORT_OPTIONS', {}),"
    "'sessions': s.SESSION_ENGINE, 'cache': s.CACHES['default']['BACKEND'],"
    "'access_seconds': s.FIDUCIA_ACCESS_CACHE_SECONDS}))"
)
SETTINGS_ENV = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "DATABASE_OWNER_URL",
    "MIGRATE_AS_OWNER",
    "FIDUCIA_DB_APP_ROLE",
    "FIDUCIA_AUDIT_CHAIN_KEY",
    "DEBUG",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEY",
    "ALLOWED_HOSTS",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "CACHE_URL",
    "FIDUCIA_ACCESS_CACHE_SECONDS",
    # Set by the browser-test fixture in this process; a deployment must never have it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Qw9!zR2@xV5$mN8^pL3&tY6*bH1(cJ4)fG0-dS_aE+uI=oP~" * 2,
    "FIELD_ENCRYPTION_KEY": "3K2dl0y0vhqL0e8m9m2bJ9c8Yx0c4m0HqQ0J6mX3b1Y=",
    "ALLOWED_HOSTS": "crm.example.invalid",
    "DATABASE_URL": "postgres://fiducia@db.example.invalid:5432/fiducia",
    "CELERY_BROKER_URL": "redis://redis.example.invalid:6379/0",
}


def _run(args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def _settings(**env) -> dict:
    result = _run(["-c", PROBE], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_is_sqlite_and_filesystem_broker():
    s = _settings()
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("var/db.sqlite3")
    assert s["debug"] is True
    assert s["broker"] == "filesystem://"
    # Every folder of kombu's file-system transport is under var/ (git-ignored), including the
    # exchange bindings, which kombu otherwise writes to ./control in the working directory.
    folders = s["broker_options"]
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        assert Path(folders[key]).is_relative_to(ROOT / "var" / "celery"), key
    assert s["language"] == "zh-hans"
    assert s["tz"] == "Asia/Shanghai"


def test_sessions_come_from_a_shared_cache_only():
    # Per-process memory would let a signed-out session live on in the other processes.
    s = _settings()
    assert s["sessions"] == "django.contrib.sessions.backends.db"
    assert s["cache"].endswith("LocMemCache") and s["access_seconds"] == 30
    s = _settings(CACHE_URL="redis://cache.internal:6379/1")
    assert s["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert s["cache"].endswith("RedisCache") and s["access_seconds"] == 3600


def test_database_url_selects_postgresql():
    s = _settings(DATABASE_URL="postgres://fiducia:pw@db.internal:5432/crm")
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "crm"
    assert s["host"] == "db.internal"


def test_migrate_as_owner_switches_to_the_owner_url():
    app = "postgres://fiducia_app:a@db.example.invalid:5432/fiducia"
    owner = "postgres://fiducia_owner:o@db.example.invalid:5432/fiducia"
    # The processes that serve the app connect as the app role, even with the owner URL around.
    s = _settings(DATABASE_URL=app, DATABASE_OWNER_URL=owner)
    assert (s["user"], s["app_role"]) == ("fiducia_app", "fiducia_app")
    # `make migrate` / compose's migrate service: the owner, granting to the app role after.
    s = _settings(DATABASE_URL=app, DATABASE_OWNER_URL=owner, MIGRATE_AS_OWNER="true")
    assert (s["user"], s["app_role"]) == ("fiducia_owner", "fiducia_app")
    # Without an owner URL one role does both.
    s = _settings(DATABASE_URL=app, MIGRATE_AS_OWNER="true")
    assert s["user"] == "fiducia_app"
    s = _settings(DATABASE_URL=app, FIDUCIA_DB_APP_ROLE="crm_app")
    assert s["app_role"] == "crm_app"


def test_production_settings_are_hardened():
    s = _settings(**PRODUCTION)
    assert s["debug"] is False
    assert s["secure_cookie"] is True
    assert s["broker"].startswith("redis://")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_secrets(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _run(["-c", PROBE], **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_check_deploy_is_clean_with_production_env():
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_debug():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DEBUG="true")
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr
