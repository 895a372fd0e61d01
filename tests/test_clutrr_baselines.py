"""The baselines' network options used by the CLUTRR configurations (evals/baseline_models.py)."""
import pytest

torch = pytest.importorskip("torch")

from evals import clutrr                                              # noqa: E402
from evals.baseline_models import build, reverse_tokens             # noqa: E402
from evals.baselines import Config                                  # noqa: E402


def test_reverse_tokens_keeps_padding_at_the_end():
    x = torch.tensor([[3, 4, 5, 0], [6, 7, 0, 0], [8, 9, 10, 11]])
    assert reverse_tokens(x).tolist() == [[5, 4, 3, 0], [7, 6, 0, 0], [11, 10, 9, 8]]


def test_defaults_are_unchanged():
    c = Config()
    assert c.bidirectional and not c.reverse and not c.share_layers and not c.causal and c.label_smoothing == 0.0
    lstm = build("lstm", 10, 5, 4)
    assert lstm.lstm.bidirectional and lstm.lstm.num_layers == 2
    with pytest.raises(ValueError):
        Config(label_smoothing=1.0)


def test_unidirectional_lstm_reads_one_direction():
    torch.manual_seed(0)
    x = torch.tensor([[3, 4, 5, 0], [6, 7, 0, 0]])
    fwd = build("lstm", 12, 5, 4, Config(bidirectional=False))
    assert not fwd.lstm.bidirectional and fwd(x).shape == (2, 5)
    rev = build("lstm", 12, 5, 4, Config(bidirectional=False, reverse=True))
    rev.load_state_dict(fwd.state_dict())
    rev.eval(), fwd.eval()
    assert torch.allclose(rev(x), fwd(reverse_tokens(x)))


def test_causal_last_token_readout_sees_every_token_and_no_padding():
    torch.manual_seed(0)
    m = build("transformer_rel", 12, 5, 6, Config(causal=True, reverse=True, pool="last", clip=2, layers=3)).eval()
    a, b = torch.tensor([[3, 4, 5, 6, 0, 0]]), torch.tensor([[9, 4, 5, 6, 0, 0]])
    assert not torch.allclose(m(a), m(b))             # read right to left, the first token is the last one read
    padded = torch.tensor([[3, 4, 5, 6, 0, 0, 0, 0]])
    assert torch.allclose(m(a), m(padded), atol=1e-6)


def test_shared_layers_have_one_block_of_parameters():
    one = build("transformer_rel", 10, 5, 4, Config(layers=1))
    shared = build("transformer_rel", 10, 5, 4, Config(layers=6, share_layers=True))
    assert len(shared.blocks) == 6 and sum(p.numel() for p in shared.parameters()) == \
        sum(p.numel() for p in one.parameters())


def test_clutrr_configs_are_valid_configs():
    for quick in (False, True):
        for kind in clutrr.BASELINES:
            c = Config(**clutrr.CONFIGS[quick][kind])
            assert c.target_acc is None and c.patience
            build(kind, 10, 5, 7, c)
