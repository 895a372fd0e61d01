"""The shared neural baselines: each kind fits a tiny task and beats chance off its training data."""
import random

import pytest

torch = pytest.importorskip("torch")
from evals.neural import train as B  # noqa: E402


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
def test_each_kind_runs_and_training_lowers_the_loss(kind):
    """No accuracy threshold from one seeded run (that is the benchmark's business): the result's shape,
    and that training lowers the loss on a fixed batch."""
    train = task(300, 3, 0)
    tests = {"len=3": task(100, 3, 1), "len=4": task(100, 4, 2)}
    res, info = B.train_eval(kind, train, tests, quick=True, progress=False)
    assert set(res) == {"len=3", "len=4", "all"} and res["len=3"]["n"] == res["len=4"]["n"] == 100
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in res.values()) and 0.0 <= info["train_acc"] <= 1.0
    assert res["all"]["n"] == 200
    tokens, labels = B.vocabularies(train)
    x, y = B.encode(train[:64], tokens, labels, 3)
    torch.manual_seed(0)
    model = B.build(kind, len(tokens), len(labels), 3)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss = lambda: torch.nn.functional.cross_entropy(model(x), y)
    model.eval()
    with torch.no_grad():
        before = loss().item()
    for _ in range(30):
        model.train()
        opt.zero_grad()
        loss().backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        after = loss().item()
    assert after < 0.5 * before, (kind, before, after)
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


def test_config_is_validated_and_frozen():
    with pytest.raises(ValueError):
        B.Config(schedule="linear")
    with pytest.raises(ValueError):
        B.Config(dim=30, heads=4)                      # dim must split into the heads
    with pytest.raises(ValueError):
        B.Config(dropout=1.0)
    with pytest.raises(ValueError):
        B.Config(pool="final").pool_for("transformer")  # an LSTM-only pooling
    c = B.Config()
    with pytest.raises(Exception):
        c.dim = 8
    assert c.pool_for("lstm") == "final" and c.pool_for("transformer_rel") == "mean"
    assert c.budget(quick=False) == (B.EPOCHS, B.MIN_EPOCHS)


@pytest.mark.parametrize("kind,fields", [("lstm", dict(dim=32, layers=1, pool="mean", dropout=0.2)),
                                         ("lstm", dict(pool="max")),
                                         ("transformer", dict(dim=32, heads=2, layers=3, pool="ends", pos_std=0.02)),
                                         ("transformer_rel", dict(clip=2, pool="max"))])
def test_config_reaches_the_network(kind, fields):
    c = B.Config(**fields)
    model = B.build(kind, 7, 3, 5, c)
    x = torch.tensor([[2, 3, 4, 0, 0], [5, 6, 2, 3, 4]])
    assert model(x).shape == (2, 3)
    if kind == "lstm":
        assert model.lstm.hidden_size == c.dim and model.lstm.num_layers == c.layers and model.pool == c.pool
    else:
        assert len(model.blocks) == c.layers and model.blocks[0].attn.heads == c.heads and model.pool == c.pool
    if kind == "transformer":
        assert float(model.pos.weight.detach().std()) < 0.1
    if kind == "transformer_rel":
        assert model.blocks[0].attn.bias.shape == (c.heads, 2 * c.clip + 1)


def test_training_fields_are_used_and_recorded():
    train, tests = task(200, 3, 0), {"len=3": task(50, 3, 1)}
    c = B.Config(dim=16, heads=2, lr=3e-3, epochs=4, target_acc=None, schedule="onecycle", grad_clip=1.0, batch=32)
    _, info = B.train_eval("lstm", train, tests, config=c, progress=False)
    assert info["epochs"] == 4 and info["lr"] == 3e-3 and info["lr_grid"] == "lr given"   # the whole budget
    assert info["config"]["schedule"] == "onecycle" and info["batch"] == 32 and info["device"] == "cpu"
    _, info = B.train_eval("lstm", train, tests, config=c, max_epochs=2, lr=1e-3, progress=False)
    assert info["epochs"] == 2 and info["lr"] == 1e-3                                    # the arguments win


def test_validation_early_stopping_keeps_the_best_epoch():
    train, tests = task(200, 3, 0), {"len=3": task(50, 3, 1)}
    val = task(60, 4, 2)
    c = B.Config(dim=16, heads=2, lr=3e-3, epochs=30, target_acc=None, patience=2, fit_acc=0.9)
    res, info = B.train_eval("transformer_rel", train, tests, config=c, val=val, progress=False)
    curve, best = info["val_curve"], info["best_epoch"]
    assert curve[best] == max(curve.values()) and min(e for e, a in curve.items() if a == curve[best]) == best
    assert info["epochs"] == 30 or (info["epochs"] == max(curve) and len([e for e in curve if e > best]) == 2)
    assert info["train_acc"] >= 0.9                              # only epochs that fit the training split count
    _, plain = B.train_eval("transformer_rel", train, tests, config=c, progress=False)
    assert "val_curve" not in plain and plain["epochs"] == 30                      # no validation: no early stop
