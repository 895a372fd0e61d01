"""What a new user trips over: budget-limited consistency, float32 probabilities, typos,
syntax errors with Prolog habits, numeric constants, and REPL conveniences."""
import struct

import pytest

from engine import KnowledgeBase, Verdict


# ---------------------------------------------------------------- 6. probability with float32 masses
class _Table:
    def __init__(self, outputs, threshold=2.0, name="toy", symbol="digit_of"):
        self.outputs, self.threshold, self.name, self.symbol = outputs, threshold, name, symbol

    def distribution(self, x):
        return self.outputs[x]


def test_probability_is_exact_after_visiting_every_case_with_float32_masses():
    # A softmax in float32 sums to 1 only within about 1e-7.
    def f32(*ps):
        return [(k, struct.unpack('f', struct.pack('f', p))[0]) for k, p in enumerate(ps)]
    a, b = f32(0.1, 0.6, 0.2, 0.1 - 3e-7), f32(0.5, 0.1, 0.3, 0.1 - 4e-7)
    assert abs(sum(p for _, p in a) * sum(p for _, p in b) - 1) > 1e-9
    kb = KnowledgeBase()
    kb.tell("type digit = 0..3. type image open. fun digit_of(image) -> digit.")
    model = _Table({"a": a, "b": b})
    kb.perceive_many(["a", "b"], ["a", "b"], model)
    q = kb.probability("digit_of(a) + digit_of(b) = 2")
    assert q.visited == 16
    assert q.exact
    assert q.lower == pytest.approx(q.probability) and q.upper == pytest.approx(q.probability)
    assert q.probability == pytest.approx(0.19, abs=1e-5)
    approx = kb.probability("digit_of(a) + digit_of(b) = 2", limit=5)
    assert not approx.exact and approx.lower < approx.upper
