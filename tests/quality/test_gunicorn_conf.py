"""gunicorn.conf.py runs what it says: gunicorn reads the file as in production,
with the environment a deployment gives it."""

import gc
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def shipped(monkeypatch: pytest.MonkeyPatch, **environ: str) -> Config:
    for name in ("GUNICORN_WORKER_CLASS", "GUNICORN_THREADS", "GUNICORN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config = Config()
    namespace: dict = {"__file__": str(CONF)}
    exec(compile(CONF.read_text(), str(CONF), "exec"), namespace)  # noqa: S102
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_the_default_is_a_real_sync_worker(monkeypatch) -> None:
    """gunicorn runs a "sync" worker with more than one thread as gthread: the
    default must give sync one thread, or the measured choice is not what runs."""
    config = shipped(monkeypatch)
    assert config.worker_class is SyncWorker
    assert config.threads == 1
    # GUNICORN_THREADS alone does not turn sync workers into threaded ones.
    config = shipped(monkeypatch, GUNICORN_THREADS="8")
    assert config.worker_class is SyncWorker


def test_gthread_takes_its_threads_from_the_environment(monkeypatch) -> None:
    config = shipped(monkeypatch, GUNICORN_WORKER_CLASS="gthread")
    assert config.worker_class is ThreadWorker
    assert config.threads == 4
    config = shipped(monkeypatch, GUNICORN_WORKER_CLASS="gthread", GUNICORN_THREADS="2")
    assert config.threads == 2


def test_a_worker_freezes_what_it_holds_once_loaded_and_once_warm(monkeypatch) -> None:
    """Objects that live as long as the worker are left out of full garbage
    collections: after loading the site, and after the first requests."""
    config = shipped(monkeypatch)
    worker = SimpleNamespace(nr=0)
    try:
        gc.unfreeze()
        config.post_worker_init(worker)
        after_load = gc.get_freeze_count()
        assert after_load > 0
        gc.unfreeze()
        for n in range(1, 600):
            worker.nr = n
            config.post_request(worker, None, {}, None)
            if n == 499:
                assert gc.get_freeze_count() == 0
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        config.post_request(worker, None, {}, None)  # only once
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
