"""gunicorn.conf.py's worker hook: start-up objects frozen out of the garbage collector."""

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def test_a_worker_freezes_what_start_up_allocated(monkeypatch):
    monkeypatch.delenv("GUNICORN_GC_FREEZE", raising=False)
    hooks = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_freeze_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("GUNICORN_GC_FREEZE", "0")
    hooks = runpy.run_path(str(CONF))
    gc.unfreeze()
    hooks["post_worker_init"](worker=None)
    assert gc.get_freeze_count() == 0


def test_preload_by_default_but_never_with_an_inline_scheduler(monkeypatch):
    monkeypatch.setenv("GUNICORN_PRELOAD", "1")
    monkeypatch.setenv("TIMEBANK_SCHEDULER", "inline")
    assert runpy.run_path(str(CONF))["preload_app"] is False
    monkeypatch.delenv("TIMEBANK_SCHEDULER")  # wsgi.py's default is an inline scheduler
    assert runpy.run_path(str(CONF))["preload_app"] is False
    monkeypatch.setenv("TIMEBANK_SCHEDULER", "off")
    assert runpy.run_path(str(CONF))["preload_app"] is True
    monkeypatch.delenv("GUNICORN_PRELOAD")
    assert runpy.run_path(str(CONF))["preload_app"] is True
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    assert runpy.run_path(str(CONF))["preload_app"] is False


def test_a_preloading_master_freezes_before_the_workers_fork(monkeypatch):
    monkeypatch.setenv("GUNICORN_PRELOAD", "1")
    monkeypatch.setenv("TIMEBANK_SCHEDULER", "off")
    monkeypatch.delenv("GUNICORN_GC_FREEZE", raising=False)
    hooks = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        hooks["when_ready"](server=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
