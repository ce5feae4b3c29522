"""An import keeps the app out of full garbage collections while it runs,
and leaves a server worker's own freeze (deploy/gunicorn.conf.py) in place."""

import gc

from shopdb.resources.transfer.importing import _heap_frozen


def test_an_import_freezes_the_heap_only_while_it_runs():
    gc.unfreeze()
    with _heap_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_server_workers_freeze_outlives_an_import():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with _heap_frozen():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
