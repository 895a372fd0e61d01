"""Proof-depth data (ProofWriter-style, open world): theories, an independent oracle, depths.

A theory is a shuffled list of ground literals (`big(bob).`, `not red(anne).`,
`likes(anne, bob).`) and rules whose body is a conjunction of literals and whose head is a
literal (`kind(X) :- big(X), not red(X).`, `forall X. (cold(X) -> not nice(X)).`).

The oracle is independent of Scientia: it grounds the theory over its constants into
propositional clauses and finds the backbone (the literals fixed in every model) with a
small pure-Python DPLL. `oracle(th, "clingo")` computes the same from clingo's cautious and
brave consequences; it is slower on these small theories, so it serves as a cross-check
(the tests compare the two when clingo is importable, and against brute-force enumeration).
A question is `true` iff the theory entails it, `false` iff it entails its negation,
`unknown` otherwise.

Depth (ProofWriter's notion): facts have depth 0; forward chaining over literals derives a
rule instance's head at 1 + the largest depth of its body; a literal's depth is the least
height of such a derivation. Entailed literals that forward chaining cannot reach (they need
contraposition or a case split) get the category "classical" and no depth: they are left out
of training and of the depth buckets and reported apart. An `unknown` question's depth is
the depth of its theory: the largest depth of any literal forward chaining derives there.
"""
from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

ENTITIES = ("anne", "bob", "charlie", "dave", "erin", "fiona", "gary", "harry")
ATTRIBUTES = ("big", "red", "kind", "rough", "young", "nice", "cold", "blue", "green", "round",
              "quiet", "smart", "furry", "white", "rich", "tall", "sad", "wise")
RELATIONS = ("likes", "sees", "chases", "needs", "visits", "eats")
RESERVED = frozenset({"not", "forall", "exists", "type", "pred", "fun", "const", "closed", "use",
                      "open", "int", "real", "bool", "thing"})
MAX_DEPTH = 6
MAX_TOKENS = 130
LABELS = ("true", "false", "unknown")
CLASSICAL = "classical"


# ---------------------------------------------------------------- literals, rules, theories
@dataclass(frozen=True)
class Lit:
    pred: str
    args: tuple[str, ...]
    pos: bool = True

    def neg(self) -> "Lit":
        return Lit(self.pred, self.args, not self.pos)

    def atom(self) -> "Lit":
        return Lit(self.pred, self.args, True)

    def subst(self, sub: dict) -> "Lit":
        return Lit(self.pred, tuple(sub.get(a, a) for a in self.args), self.pos)

    def vars(self) -> set[str]:
        return {a for a in self.args if a[0].isupper()}


@dataclass(frozen=True)
class Rule:
    body: tuple[Lit, ...]
    head: Lit

    def vars(self) -> list[str]:
        return sorted(set().union(*(l.vars() for l in self.body), self.head.vars()))


@dataclass(frozen=True)
class Theory:
    statements: tuple  # Lit (a ground fact) or Rule, in text order

    @property
    def facts(self) -> tuple[Lit, ...]:
        return tuple(s for s in self.statements if isinstance(s, Lit))

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(s for s in self.statements if isinstance(s, Rule))

    def entities(self) -> tuple[str, ...]:
        return tuple(sorted({a for f in self.facts for a in f.args}))

    def predicates(self) -> dict[str, int]:
        lits = list(self.facts) + [l for r in self.rules for l in (*r.body, r.head)]
        return {l.pred: len(l.args) for l in lits}


# ---------------------------------------------------------------- text and tokens
def show_lit(l: Lit) -> str:
    atom = f"{l.pred}({', '.join(l.args)})"
    return atom if l.pos else f"not {atom}"


def show_statement(s) -> str:
    if isinstance(s, Lit):
        return show_lit(s) + "."
    if s.head.pos:
        return f"{show_lit(s.head)} :- {', '.join(map(show_lit, s.body))}."
    vs = ", ".join(s.vars())
    return f"forall {vs}. ({' & '.join(map(show_lit, s.body))} -> {show_lit(s.head)})."


def theory_text(th: Theory) -> str:
    return "\n".join(show_statement(s) for s in th.statements)


_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|:-|->|&|,|\.")


def tokens(text: str) -> list[str]:
    """Names, variables, `not`, `forall`, `:-`, `->`, `&`, `,`, `.`; brackets are dropped."""
    return _TOKEN.findall(text)


def model_input(th: Theory, question: str) -> list[str]:
    """The theory's text tokens, then [Q] and the question's (the plain encoding)."""
    return tokens(theory_text(th)) + ["[Q]"] + tokens(question)


def lit_tokens(l: Lit) -> list[str]:
    return (["not"] if not l.pos else []) + [l.pred, *l.args]


def statement_tokens(s) -> list[str]:
    """`not big anne .`; a rule always body first: `big X & not red X -> kind X .`"""
    if isinstance(s, Lit):
        return lit_tokens(s) + ["."]
    body = [t for i, b in enumerate(s.body) for t in (["&"] if i else []) + lit_tokens(b)]
    return body + ["->"] + lit_tokens(s.head) + ["."]


def model_input_compact(th: Theory, question: Lit) -> list[str]:
    """The question first (fixed positions), then the theory, every rule in one direction:
    the same content as the text without brackets, commas and `forall X.`."""
    return ["[Q]", *lit_tokens(question), "[T]"] + [t for s in th.statements for t in statement_tokens(s)]


# ---------------------------------------------------------------- grounding
def instances(rule: Rule, entities) -> list[Rule]:
    vs = rule.vars()
    out = []
    for vals in itertools.product(entities, repeat=len(vs)):
        sub = dict(zip(vs, vals))
        out.append(Rule(tuple(l.subst(sub) for l in rule.body), rule.head.subst(sub)))
    return out


def ground_atoms(th: Theory) -> list[Lit]:
    ents = th.entities()
    return [Lit(p, args) for p, n in sorted(th.predicates().items())
            for args in itertools.product(ents, repeat=n)]


def clauses(th: Theory) -> tuple[dict[Lit, int], list[tuple[int, ...]]]:
    """Propositional clauses of the grounded theory, over atom numbers 1..n."""
    index = {a: i + 1 for i, a in enumerate(ground_atoms(th))}
    num = lambda l: index[l.atom()] if l.pos else -index[l.atom()]
    out = [(num(f),) for f in th.facts]
    for r in th.rules:
        out += [tuple(-num(b) for b in g.body) + (num(g.head),) for g in instances(r, th.entities())]
    return index, out


# ---------------------------------------------------------------- DPLL
def _propagate(cls, assign: dict) -> bool:
    changed = True
    while changed:
        changed = False
        for c in cls:
            free, sat = [], False
            for l in c:
                v = assign.get(abs(l))
                if v is None:
                    free.append(l)
                elif v == (l > 0):
                    sat = True
                    break
            if sat:
                continue
            if not free:
                return False
            if len(free) == 1:
                assign[abs(free[0])] = free[0] > 0
                changed = True
    return True


def _branch_var(cls, assign):
    for c in cls:
        if not any(assign.get(abs(l)) == (l > 0) for l in c):
            return next(abs(l) for l in c if abs(l) not in assign)
    return None


def solve(cls, assumptions=()) -> dict | None:
    """A partial assignment satisfying every clause (unassigned atoms are free), or None."""
    return _dpll(cls, {abs(l): l > 0 for l in assumptions})


def _dpll(cls, assign: dict) -> dict | None:
    if not _propagate(cls, assign):
        return None
    v = _branch_var(cls, assign)
    if v is None:
        return assign
    for val in (True, False):
        found = _dpll(cls, {**assign, v: val})
        if found is not None:
            return found
    return None


def _backbone_dpll(cls, n: int) -> dict[int, bool] | None:
    """Atoms fixed in every model (the entailed literals), or None when unsatisfiable."""
    model = solve(cls)
    if model is None:
        return None
    cand = {v: model[v] for v in range(1, n + 1) if v in model}
    fixed = {}
    for v in list(cand):
        if v not in cand:
            continue
        other = solve(cls, [-v if cand[v] else v])
        if other is None:
            fixed[v] = cand[v]
        else:
            cand = {u: b for u, b in cand.items() if other.get(u) == b}
    return fixed


# ---------------------------------------------------------------- clingo (optional)
def _backbone_clingo(cls, n: int) -> dict[int, bool] | None:
    import clingo
    lit = lambda l: f"a{l}" if l > 0 else f"not a{-l}"
    prog = "{" + ";".join(f"a{v}" for v in range(1, n + 1)) + "}.\n" if n else ""
    prog += "\n".join(":- " + ", ".join(lit(-l) for l in c) + "." for c in cls)
    brave, cautious = _consequences(prog, "brave"), _consequences(prog, "cautious")
    if brave is None:
        return None
    fixed = {v: True for v in cautious}
    fixed.update({v: False for v in range(1, n + 1) if v not in brave})
    return fixed


def _consequences(prog: str, mode: str) -> set[int] | None:
    import clingo
    ctl = clingo.Control(["--enum-mode=" + mode, "0", "--warn=none"])
    ctl.add("base", [], prog)
    ctl.ground([("base", [])])
    last = None
    with ctl.solve(yield_=True) as handle:
        for m in handle:
            last = {int(s.name[1:]) for s in m.symbols(atoms=True)}
    return last


def have_clingo() -> bool:
    try:
        import clingo  # noqa: F401
        return True
    except ImportError:
        return False


# ---------------------------------------------------------------- the oracle
def oracle(th: Theory, backend: str = "dpll") -> dict[Lit, str] | None:
    """Every ground atom's label (true/false/unknown), or None if the theory is inconsistent."""
    index, cls = clauses(th)
    fixed = (_backbone_clingo if backend == "clingo" else _backbone_dpll)(cls, len(index))
    if fixed is None:
        return None
    name = {True: "true", False: "false"}
    return {a: name[fixed[i]] if i in fixed else "unknown" for a, i in index.items()}


def label_of(labels: dict[Lit, str], q: Lit) -> str:
    lab = labels[q.atom()]
    if q.pos or lab == "unknown":
        return lab
    return "false" if lab == "true" else "true"


# ---------------------------------------------------------------- forward chaining depths
def fc_depths(th: Theory) -> dict[Lit, int]:
    """Least derivation height of every literal that forward chaining over literals reaches."""
    depth = {f: 0 for f in th.facts}
    ground = [g for r in th.rules for g in instances(r, th.entities())]
    level = 0
    while True:
        level += 1
        new = {g.head for g in ground if g.head not in depth and all(b in depth for b in g.body)}
        if not new:
            return depth
        depth.update({h: level for h in new})


def theory_depth(depths: dict[Lit, int]) -> int:
    return max(depths.values(), default=0)


# ---------------------------------------------------------------- random theories
def random_theory(rng: random.Random, depth: int) -> Theory:
    """A theory built around a chain of `depth` rule applications, with distractors."""
    ents = rng.sample(ENTITIES, rng.randint(3, 4))
    attrs = rng.sample(ATTRIBUTES, max(depth + 3, rng.randint(7, 9)))
    rel = rng.choice(RELATIONS) if rng.random() < 0.5 else None
    facts, rules = _chain(rng, ents, attrs, rel, depth)
    facts |= _noise_facts(rng, ents, attrs, rel)
    rules += _noise_rules(rng, attrs, rng.randint(1, 3))
    if rng.random() < 0.4:
        facts |= _contrapositive_setup(rng, ents, rules)
    statements = sorted(facts, key=show_lit) + rules
    rng.shuffle(statements)
    return Theory(tuple(statements))


def _ulit(rng, pred: str, var: str = "X") -> Lit:
    return Lit(pred, (var,), rng.random() < 0.5)


def _chain(rng, ents, attrs, rel, depth):
    e = rng.choice(ents)
    chain = [_ulit(rng, a) for a in attrs[:depth + 1]]
    extras = attrs[depth + 1:]
    facts, rules = {chain[0].subst({"X": e})}, []
    for prev, head in zip(chain, chain[1:]):
        body = [prev]
        if rng.random() < 0.4:
            cond = _ulit(rng, rng.choice(extras))
            facts.add(cond.subst({"X": e}))
            body.append(cond)
        if rel and rng.random() < 0.35:
            e2 = rng.choice([x for x in ents if x != e])
            facts.add(Lit(rel, (e, e2)))
            body.insert(rng.randint(0, len(body)), Lit(rel, ("X", "Y")))
            head, e = head.subst({"X": "Y"}), e2
        rules.append(Rule(tuple(body), head))
    return facts, rules


def _noise_facts(rng, ents, attrs, rel) -> set[Lit]:
    out = {Lit(rng.choice(attrs), (rng.choice(ents),), rng.random() < 0.5) for _ in range(rng.randint(2, 5))}
    if rel:
        out |= {Lit(rel, tuple(rng.sample(ents, 2))) for _ in range(rng.randint(0, 2))}
    return out


def _noise_rules(rng, attrs, n: int) -> list[Rule]:
    out = []
    for _ in range(n):
        preds = rng.sample(attrs, rng.randint(2, 3))
        out.append(Rule(tuple(_ulit(rng, p) for p in preds[1:]), _ulit(rng, preds[0])))
    return out


def _contrapositive_setup(rng, ents, rules) -> set[Lit]:
    """Facts that deny a unary rule's head and grant all but one body literal for one entity."""
    unary = [r for r in rules if r.vars() == ["X"]]
    if not unary:
        return set()
    r, e = rng.choice(unary), rng.choice(ents)
    g = instances(r, [e])[0]
    keep = rng.sample(list(g.body), len(g.body) - 1)
    return {g.head.neg(), *keep}


# ---------------------------------------------------------------- questions
@dataclass(frozen=True)
class Question:
    lit: Lit
    label: str
    category: str  # "depth=k" or "classical"

    @property
    def text(self) -> str:
        return show_lit(self.lit)


@dataclass(frozen=True)
class Group:
    """One theory and the questions asked about it."""
    theory: Theory
    questions: tuple[Question, ...]

    @property
    def text(self) -> str:
        return theory_text(self.theory)


@dataclass(frozen=True)
class Known:
    """What the oracle says of one ground atom: the entailed literal (or the atom) and its category."""
    lit: Lit
    entailed: bool
    category: str


def depth_category(d: int) -> str:
    return f"depth={d}"


def knowns(th: Theory) -> tuple[list[Known], int] | None:
    """Per unary atom: its entailed literal and category; and the theory's depth. None: inconsistent."""
    labels = oracle(th)
    if labels is None:
        return None
    depths = fc_depths(th)
    for lit in depths:  # forward chaining is sound: the oracle must entail what it derives
        assert label_of(labels, lit) == "true", f"oracle misses derived {show_lit(lit)}"
    tdepth = theory_depth(depths)
    out = [_known(atom, lab, depths, tdepth) for atom, lab in labels.items() if len(atom.args) == 1]
    return out, tdepth


def _known(atom: Lit, lab: str, depths, tdepth: int) -> Known:
    if lab == "unknown":
        return Known(atom, False, depth_category(tdepth))
    lit = atom if lab == "true" else atom.neg()
    d = depths.get(lit)
    return Known(lit, True, CLASSICAL if d is None else depth_category(d))


def _questions(rng, facts: list[Known], need: dict, per_theory: int) -> list[Question]:
    rng.shuffle(facts)
    taken: dict = {}
    out = []
    for k in facts:
        for lab in _label_order(rng, k, need):
            key = (k.category, lab)
            if need.get(key, 0) - taken.get(key, 0) > 0 and taken.get(key, 0) < per_theory:
                taken[key] = taken.get(key, 0) + 1
                out.append(Question(_form(rng, k, lab), lab, k.category))
                break
    return out


def _label_order(rng, k: Known, need: dict) -> list[str]:
    if not k.entailed:
        return ["unknown"]
    labs = ["true", "false"]
    rng.shuffle(labs)
    return sorted(labs, key=lambda l: -need.get((k.category, l), 0))


def _form(rng, k: Known, lab: str) -> Lit:
    if lab == "unknown":
        return k.lit if rng.random() < 0.5 else k.lit.neg()
    return k.lit if lab == "true" else k.lit.neg()


def generate(rng: random.Random, quota: dict, *, max_theory_depth: int = MAX_DEPTH,
             per_theory: int = 2, max_tokens: int = MAX_TOKENS, max_tries: int = 100_000) -> list[Group]:
    """Theories and questions until every (category, label) bucket of `quota` is full.
    Theories longer than `max_tokens` tokens are skipped (it bounds the baselines' input width)."""
    need, groups = dict(quota), []
    for _ in range(max_tries):
        if not any(need.values()):
            return groups
        th = random_theory(rng, _target_depth(rng, need, max_theory_depth))
        if len(tokens(theory_text(th))) > max_tokens:
            continue
        got = knowns(th)
        if got is None or got[1] > max_theory_depth:
            continue
        qs = _questions(rng, got[0], need, per_theory)
        for q in qs:
            need[(q.category, q.label)] -= 1
        if qs:
            groups.append(Group(th, tuple(qs)))
    raise RuntimeError(f"generator gave up with buckets unfilled: { {k: v for k, v in need.items() if v} }")


def _target_depth(rng, need: dict, max_depth: int) -> int:
    weights = [sum(v for (c, _), v in need.items() if c in (depth_category(d), CLASSICAL)) + 0.01
               for d in range(max_depth + 1)]
    return rng.choices(range(max_depth + 1), weights=weights)[0]


def quota(depths, per_label: int, classical: int = 0) -> dict:
    out = {(depth_category(d), lab): per_label for d in depths for lab in LABELS}
    if classical:
        out.update({(CLASSICAL, "true"): classical // 2, (CLASSICAL, "false"): classical - classical // 2})
    return out


# ---------------------------------------------------------------- renaming
def nonsense_names(rng: random.Random, n: int) -> list[str]:
    taken = set(ENTITIES) | set(ATTRIBUTES) | set(RELATIONS) | RESERVED
    out = []
    while len(out) < n:
        name = rng.choice("bdfgklmnprstvwz") + rng.choice("aeiou") + rng.choice("bdfgklmnprstxz")
        name += str(rng.randint(0, 9)) if rng.random() < 0.5 else ""
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def rename_group(rng: random.Random, g: Group) -> Group:
    """The same theory and questions with every constant and predicate renamed consistently."""
    syms = list(g.theory.entities()) + sorted(g.theory.predicates())
    m = dict(zip(syms, nonsense_names(rng, len(syms))))
    ren = lambda l: Lit(m[l.pred], tuple(m.get(a, a) for a in l.args), l.pos)
    st = tuple(ren(s) if isinstance(s, Lit) else Rule(tuple(map(ren, s.body)), ren(s.head))
               for s in g.theory.statements)
    return Group(Theory(st), tuple(Question(ren(q.lit), q.label, q.category) for q in g.questions))
