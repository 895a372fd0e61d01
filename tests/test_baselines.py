"""The shared neural baselines: each kind fits a tiny task and beats chance off its training data."""
import random

import pytest

torch = pytest.importorskip("torch")
from evals import baselines as B  # noqa: E402


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def task(n, length, seed):
    """label = the smallest token of the sequence (4 symbols: chance is at most 1/2 here)."""
    rng = random.Random(seed)
    seqs = [[rng.choice("abcd") for _ in range(length)] for _ in range(n)]
    return [(s, min(s)) for s in seqs]


@pytest.mark.parametrize("kind", B.KINDS)
def test_each_kind_fits_and_generalises(kind):
    train = task(300, 3, 0)
    tests = {"len=3": task(100, 3, 1), "len=4": task(100, 4, 2)}
    res, info = B.train_eval(kind, train, tests, quick=True, progress=False)
    assert info["train_acc"] >= 0.99
    assert res["len=3"]["accuracy"] >= 0.9
    assert res["len=4"]["accuracy"] > 0.6
    assert res["all"]["n"] == 200
    assert set(info) >= {"lr", "epochs", "train_acc", "seconds", "params", "kind"}
    assert info["lr"] in B.QUICK_GRID and 1 <= info["epochs"] <= B.QUICK_EPOCHS


def test_seeded_and_unseen_symbols():
    train = task(200, 3, 0)
    tests = {"unseen": [(["z", "z", "z"], "z"), (["a", "q", "b"], "a")]}
    r1, i1 = B.train_eval("transformer_rel", train, tests, seed=3, quick=True, progress=False, lr=3e-3)
    r2, i2 = B.train_eval("transformer_rel", train, tests, seed=3, quick=True, progress=False, lr=3e-3)
    assert r1 == r2 and i1["epochs"] == i2["epochs"] and i1["lr_grid"] == "lr given"
    assert r1["unseen"]["n"] == 2 and r1["unseen"]["accuracy"] <= 0.5        # label z is never predicted


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        B.build("gru", 5, 2, 4)
