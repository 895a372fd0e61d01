"""Shared fixtures. The whole suite also runs with every Horn component in DuckDB
(`SCIENTIA_COLUMNAR_THRESHOLD=0`, a job of .ci/run); `in_memory` pins the in-memory core for
the tests that inject faults into it (a fault there cannot show in the columnar backend)."""
import pytest

from engine.horn.columnar import THRESHOLD_ENV


@pytest.fixture
def in_memory(monkeypatch):
    monkeypatch.setenv(THRESHOLD_ENV, str(10 ** 12))
