"""The baselines' network options used by the CLUTRR configurations (evals/neural/models.py)."""
import pytest

torch = pytest.importorskip("torch")

from evals.clutrr import task as clutrr                              # noqa: E402
from evals.neural.models import build, reverse_tokens              # noqa: E402
from evals.neural.config import Config                              # noqa: E402


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


def test_looped_transformer_applies_its_block_once_per_token():
    torch.manual_seed(0)
    m = build("transformer_rel", 12, 5, 8, Config(share_layers=True, loop=True, causal=True, reverse=True,
                                                  pool="last", clip=1)).eval()
    calls = []
    m.blocks[0].register_forward_hook(lambda *_: calls.append(1))
    m(torch.tensor([[3, 4, 5, 6, 0, 0], [3, 4, 0, 0, 0, 0]]))
    assert len(calls) == 4                             # the longest row has 4 tokens
    calls.clear()
    out = m(torch.tensor([[3, 4, 5, 6, 7, 8, 9, 10]]))
    assert len(calls) == 8 and out.shape == (1, 5)
    with pytest.raises(ValueError):
        Config(loop=True)                              # a loop repeats one shared block


def test_random_positions_train_every_position_and_leave_evaluation_alone():
    torch.manual_seed(0)
    m = build("transformer", 12, 5, 20, Config(random_positions=True, pos_std=0.02))
    x = torch.tensor([[3, 4, 5, 6, 0], [7, 8, 0, 0, 0]] * 50)
    m.train()
    pos = m.positions(x)
    assert pos.shape == (100, 5) and bool((pos[:, 1:] > pos[:, :-1]).all()) and int(pos.max()) < 20
    assert int(pos.max()) >= 10                        # positions past the input's length are drawn
    m.eval()
    assert m.positions(x).tolist() == [list(range(5))]
    plain = build("transformer", 12, 5, 20, Config(pos_std=0.02)).eval()
    plain.load_state_dict(m.state_dict())
    assert torch.allclose(plain(x), m(x))
