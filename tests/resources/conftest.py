"""Signed-in callers for the resource tests, on whatever `app` a module uses
(a module that adds test resources overrides `app`; these follow it)."""

from __future__ import annotations

import pytest

from shopdb.models import ADMIN, EDITOR
from shopdb.testing.clients import Caller, make_callers


@pytest.fixture
def callers(app) -> dict[str | None, Caller]:
    return make_callers(app)


@pytest.fixture
def admin(callers) -> Caller:
    return callers[ADMIN]


@pytest.fixture
def editor(callers) -> Caller:
    return callers[EDITOR]
