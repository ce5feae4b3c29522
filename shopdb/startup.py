"""What a process does while ShopDB starts."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while the app is imported and built.

    Starting makes some 200,000 objects (modules, mappers, schemas, routes)
    that live as long as the process; the collector would walk them again
    and again while they are being made: a fifth of the start's CPU time.
    Nothing made at start is garbage worth collecting early, so collection
    waits until the app is built (then runs as it would have)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
