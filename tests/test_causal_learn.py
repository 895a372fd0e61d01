"""Causal structure from data (engine/causal/learn.py): PC finds the class, the undetermined
edges stay undetermined, and a query is answered only when every graph of the class agrees."""
from __future__ import annotations

import itertools
from fractions import Fraction as F

import pytest

from engine.causal.learn import learn

N = 20_000      # rows the exact weights stand for


def table(variables, joint):
    """Every assignment as a row, weighted by N times its exact probability."""
    rows, weights = [], []
    for values in itertools.product((0, 1), repeat=len(variables)):
        rows.append(dict(zip(variables, values)))
        weights.append(float(joint(dict(zip(variables, values))) * N))
    return rows, weights


def bern(p, v):
    return p if v else 1 - p


def chain(a):       # x -> m -> y
    return bern(F(3, 10), a["x"]) * bern(F(8, 10) if a["x"] else F(2, 10), a["m"]) * \
        bern(F(7, 10) if a["m"] else F(1, 10), a["y"])


def collider(a):    # x -> y <- z, x -> w
    return bern(F(4, 10), a["x"]) * bern(F(6, 10), a["z"]) * \
        bern({(0, 0): F(1, 10), (0, 1): F(5, 10), (1, 0): F(6, 10), (1, 1): F(9, 10)}[(a["x"], a["z"])], a["y"]) * \
        bern(F(7, 10) if a["x"] else F(2, 10), a["w"])


def test_a_chain_leaves_its_directions_open_and_the_effect_unknown():
    rows, weights = table(("x", "m", "y"), chain)
    learned = learn(rows, weights=weights)
    assert learned.undetermined == [("m", "x"), ("m", "y")]
    assert not learned.cpdag.directed
    assert len(learned.programs()) == 3          # x->m->y, x<-m<-y, x<-m->y
    a = learned.ask("ATE(x, y) > 0")
    assert a.verdict == "unknown" and "cannot fix the direction" in a.reason
    # an observational question is the same in every graph of the class
    b = learned.ask("P(y | x) > P(y | not x)")
    assert b.verdict == "true" and all(ans.proof is not None for _, ans in b.answers)


def test_a_collider_fixes_the_directions_and_the_effect():
    rows, weights = table(("x", "z", "y", "w"), collider)
    learned = learn(rows, weights=weights)
    assert ("x", "y") in learned.cpdag.directed and ("z", "y") in learned.cpdag.directed
    assert learned.undetermined == [("w", "x")]
    a = learned.ask("ATE(z, y)")
    # in every graph of the class: P(y | do(z)) - P(y | do(not z)), from the data's frequencies
    truth = F(6, 10) * (F(5, 10) - F(1, 10)) + F(4, 10) * (F(9, 10) - F(6, 10))     # sum_x P(x) [...]
    assert a.verdict == "true" and a.value is not None
    assert abs(float(a.value) - float(truth)) < 0.02
    assert all(ans.proof is not None for _, ans in a.answers)


def test_bad_rows_are_refused():
    with pytest.raises(ValueError):
        learn([{"x": 1, "y": 0}, {"x": 2, "y": 1}])
    with pytest.raises(ValueError):
        learn([])
