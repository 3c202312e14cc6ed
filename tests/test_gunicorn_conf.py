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
