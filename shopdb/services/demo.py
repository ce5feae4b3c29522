"""Demo site (placeholder until the full generator lands)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from shopdb.services.seeds import SeedReport

DEMO_STEPS = 1


def seed_demo_data(session: Session, progress: Callable[[int], None] | None = None) -> SeedReport:
    if progress:
        progress(1)
    return SeedReport()
