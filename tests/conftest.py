"""Shared fixtures. The whole suite also runs with every Horn component in DuckDB
(`SCIENTIA_COLUMNAR_THRESHOLD=0`, a job of .ci/run); `in_memory` pins the in-memory core for
the tests that inject faults into it (a fault there cannot show in the columnar backend)."""
import pytest

from engine.horn.columnar import THRESHOLD_ENV


@pytest.fixture
def in_memory(monkeypatch):
    monkeypatch.setenv(THRESHOLD_ENV, str(10 ** 12))


@pytest.fixture
def made_up_path_d_a(monkeypatch):
    """A fault in the in-memory fixpoint: its first round makes up path(d, a)."""
    from engine.horn import core
    real = core._round

    def lying_round(variants, delta):
        out = real(variants, delta)
        if delta is None and "path" in out:
            out["path"] = out["path"] | {("d", "a")}
        return out
    monkeypatch.setattr(core, "_round", lying_round)
