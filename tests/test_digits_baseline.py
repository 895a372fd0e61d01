"""The digit-sum neural baselines: target encoding, item grouping, alignment, and a quick run."""
import pytest

np = pytest.importorskip("numpy")
torch = pytest.importorskip("torch")

from evals.digits import baseline as B  # noqa: E402


def test_sum_digits_least_significant_first_with_carry():
    assert B.sum_digits(7, 1) == [7, 0]
    assert B.sum_digits(13, 1) == [3, 1]
    assert B.sum_digits(18, 1) == [8, 1]
    assert B.sum_digits(46, 2) == [6, 4, 0]
    assert B.sum_digits(1098, 3) == [8, 9, 0, 1]
    assert B.sum_digits(0, 4) == [0, 0, 0, 0, 0]
    with pytest.raises(ValueError):
        B.sum_digits(100, 1)


def test_pair_targets_are_the_digits_of_the_sum_only():
    labels = np.array([3, 4, 9, 8, 0, 0, 5])          # the odd last image is left out
    assert B.pair_targets(labels).tolist() == [[7, 0], [7, 1], [0, 0]]
    same_sums = np.array([4, 3, 8, 9, 0, 0])           # other digits, the same sums: the same targets
    assert B.pair_targets(same_sums).tolist() == B.pair_targets(labels[:6]).tolist()


def test_groups_and_targets_for_two_digit_items():
    labels = np.array([1, 2, 3, 4, 9, 9, 9, 9, 5, 0])  # 12 + 34, 99 + 99; two images left over
    index = B.groups(len(labels), 2)
    assert index.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert B.item_targets(labels, index).tolist() == [[6, 4, 0], [8, 9, 1]]
    assert B.groups(len(labels), 2, limit=1).tolist() == [[0, 1, 2, 3]]
    assert B.groups(len(labels), 1).shape == (5, 2)


def test_align_pairs_digits_by_position_least_significant_first():
    # one item, N = 2: images a1 a0 b1 b0 (most significant first) with 1-d embeddings 10, 11, 20, 21
    emb = torch.tensor([[[10.0], [11.0], [20.0], [21.0]]])
    assert B.align(emb).tolist() == [[[11.0, 21.0], [10.0, 20.0]]]


@pytest.mark.parametrize("kind", B.KINDS)
def test_models_read_any_length(kind):
    torch.manual_seed(0)
    model = B.DigitSum(kind, mnist=False)
    for n in (1, 2, 15):
        assert model(torch.rand(3, 2 * n, 1, 8, 8)).shape == (3, n + 1, 10)
    mnist = B.DigitSum(kind, mnist=True)
    assert mnist(torch.rand(2, 4, 1, 28, 28)).shape == (2, 3, 10)


def _digits():
    from evals.digits.data import load_sklearn
    return load_sklearn(0)


def _check_shape(results, info, kind):
    assert list(results) == ["N=1", "N=2", "N=4", "N=15", "all"]
    for r in results.values():
        assert 0.0 <= r["accuracy"] <= 1.0
    assert results["all"]["n"] == sum(results[f"N={n}"]["n"] for n in (1, 2, 4, 15))
    assert info["kind"] == kind and info["lr"] in B.GRIDS[kind] and info["params"] > 0
    assert 0.0 <= info["train_acc"] <= 1.0 and info["epochs"] >= 1


def test_tiny_transformer_run_returns_every_n():
    train, test, _ = _digits()
    results, info = B.baseline("transformer", (train[0][:80], train[1][:80]), test, mnist=False, quick=True,
                               progress=False, limit=5)
    _check_shape(results, info, "transformer")
    assert [results[f"N={n}"]["n"] for n in (1, 2, 4, 15)] == [5, 5, 5, 5]


def test_quick_lstm_run_reports_every_n_and_training_lowers_the_loss():
    """Accuracy is the benchmark's business (one seeded run of 60 items is no test of it): here the run's
    shape, and that training lowers the loss on a fixed batch (deterministic: Adam steps on that batch)."""
    train, test, _ = _digits()
    results, info = B.baseline("lstm", train, test, mnist=False, quick=True, progress=False, limit=10)
    _check_shape(results, info, "lstm")
    assert info["pairs"] == B.QUICK_IMAGES // 2
    assert [results[f"N={n}"]["n"] for n in (1, 2, 4, 15)] == [10, 10, 10, 10]
    xs, ys = B.training_pairs((train[0][:64], train[1][:64]))
    for kind in B.KINDS:
        torch.manual_seed(0)
        model = B.DigitSum(kind, mnist=False)
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        loss = lambda: torch.nn.functional.cross_entropy(model(xs).flatten(0, 1), ys.flatten())
        model.eval()
        with torch.no_grad():
            before = loss().item()
        model.train()
        for _ in range(20):
            B.epoch(model, opt, xs, ys, [torch.arange(len(xs))])
        model.eval()
        with torch.no_grad():
            after = loss().item()
        assert after < 0.9 * before, (kind, before, after)
