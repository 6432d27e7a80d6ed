"""One demo per test module (building it plans every scenario, ~0.5 s)."""

from __future__ import annotations

import pytest

from services.demo import DemoPaths, build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return build_demo(tmp_path_factory.mktemp("demo"))
