"""A real Celery worker on Redis for the tests marked `celery_worker` (registered by
tests/conftest.py). Skipped without a Redis broker, unless FIDUCIA_REQUIRE_WORKER is set (CI).

`private_redis` starts a throwaway `redis-server` of the test's own (no persistence, so a
SIGKILL loses what it held, like a crashed broker) and points the Celery app at it; tests
stop, freeze and restart it. `relay_thread` runs the outbox relay beside the worker, as the
`relay_outbox` process does in production. bench/broker_outage.py uses PrivateRedis too.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
from django.conf import settings
from django.db import connections


@pytest.fixture
def redis_worker(transactional_db):
    """A solo-pool worker thread on the configured Redis broker, and the outbox relay beside
    it; tasks go through them, not eager."""
    from crm.celery import app

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        if os.environ.get("FIDUCIA_REQUIRE_WORKER"):
            pytest.fail("FIDUCIA_REQUIRE_WORKER is set but CELERY_BROKER_URL is not redis://")
        pytest.skip("needs CELERY_BROKER_URL=redis://… (CI sets it)")
    app.conf.task_always_eager = False  # tests/conftest.py's _celery_eager turned it on
    with worker_thread() as worker, relay_thread():
        yield worker


def wait_for(predicate, timeout: float = 45.0) -> bool:
    """Poll `predicate` until it is true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@contextlib.contextmanager
def relay_thread(interval: float = 0.2):
    """The outbox relay loop in a thread of this process until the block ends."""
    from crm.core import outbox

    stopping = threading.Event()

    def run():
        try:
            outbox.relay_forever(interval=interval, stop=stopping.is_set)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="outbox-relay", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stopping.set()
        thread.join(timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server on a free local port with no persistence, that can be killed (SIGKILL:
    everything it held is gone), frozen (SIGSTOP) and started again on the same port."""

    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="fiducia-redis-")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s,
            ):
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a frozen server must be able to die
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


@contextlib.contextmanager
def celery_broker(url: str):
    """Point the Celery app at `url` for the block (fresh connection pools on both sides)."""
    from crm.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    # Celery reads these variables before its configuration (CI sets CELERY_BROKER_URL).
    saved_env = {k: os.environ.pop(k, None) for k in BROKER_ENV}
    app.conf.broker_url = url
    app.conf.broker_transport_options = {}  # the configured broker's options do not apply
    _reset_pools(app)
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        os.environ.update({k: v for k, v in saved_env.items() if v is not None})
        _reset_pools(app)


BROKER_ENV = ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")


def _reset_pools(app) -> None:
    # What Celery does after a fork, without its signal: new pools for the new URL. (Closing
    # the old ones would close kombu's shared pool for that URL for the rest of the process.)
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def private_redis(transactional_db):
    """A private redis-server the Celery app publishes to, with eager mode off. Skipped where
    redis-server is not installed, unless FIDUCIA_REQUIRE_WORKER is set (CI)."""
    from crm.celery import app

    binary = redis_server_binary()
    if binary is None:
        if os.environ.get("FIDUCIA_REQUIRE_WORKER"):
            pytest.fail("FIDUCIA_REQUIRE_WORKER is set but redis-server is not installed")
        pytest.skip("needs redis-server (apt-get install redis-server)")
    server = PrivateRedis(binary)
    server.start()
    app.conf.task_always_eager = False
    try:
        with celery_broker(server.url):
            yield server
    finally:
        server.close()


@contextlib.contextmanager
def worker_thread():
    """A solo-pool worker thread on the app's current broker."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from crm.celery import app

    def close_thread_connections(**_kwargs):
        # Tasks run in the worker's thread; its database connections would otherwise outlive
        # the test and keep PostgreSQL from dropping the test database at the end.
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()

    task_postrun.connect(close_thread_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_thread_connections)
