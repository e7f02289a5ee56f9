from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def store(runtime: Any) -> Any:
    return runtime.store
