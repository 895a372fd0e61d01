"""A brute-force model enumerator: the independent oracle for the soundness tests.

It shares no code with the engine. A knowledge base is Python data (see below); the
oracle prints it to the Scientia language, enumerates every Herbrand interpretation
over the named constants (unique names + domain closure, one sort `thing`) of the
few ground atoms, evaluates each statement classically, and applies the closed-world
assumption of closed predicates in dependency order, exactly as LANGUAGE.md says.

Formulas (tuples):
    ("atom", pred, (arg, ...))      args: constants (lower case) or variables (upper case)
    ("not", f)   ("and", f, g, ...)   ("or", f, g, ...)   ("imp", f, g)   ("iff", f, g)
    ("forall", "X", f)   ("exists", "X", f)
Statements:
    ("axiom", formula)              printed `formula.`
    ("rule", head_atom, (lit, ...)) lit: atom or ("not", atom); printed `h :- b1, not b2.`
    ("closed", (pred, ...))         printed `closed p, q.`

Closed predicates (LANGUAGE.md, Semantics): every atom of a closed predicate that the
KB does not entail is false; closed predicates are settled in dependency order (the
rule graph: head depends on every body predicate); a cycle through negation between
closed predicates is an error (E017). Where the order of settling is not fixed by the
rule graph (two closed predicates that do not depend on each other, or that depend on
each other positively), the language settles, one at a time, the smallest name whose every
dependency is settled or depends on it in turn: the lexicographically least admissible order,
the first one `itertools.permutations` of the sorted names meets. `Oracle.ambiguous` says
whether other admissible orders would give other results (for information).
"""
from __future__ import annotations

import itertools
import re

# ---------------------------------------------------------------- printing


def is_var(t: str) -> bool:
    return t[:1].isupper() or t[:1] == "_"


def show_atom(a) -> str:
    _, pred, args = a
    return pred if not args else f"{pred}({', '.join(args)})"


def show(f) -> str:
    """Fully parenthesised source text of a formula."""
    kind = f[0]
    if kind == "atom":
        return show_atom(f)
    if kind == "not":
        inner = f[1]
        return f"not {show(inner)}" if inner[0] == "atom" else f"not ({show(inner)})"
    if kind in ("and", "or"):
        op = " & " if kind == "and" else " | "
        return op.join(_wrap(x) for x in f[1:])
    if kind == "imp":
        return f"{_wrap(f[1])} -> {_wrap(f[2])}"
    if kind == "iff":
        return f"{_wrap(f[1])} <-> {_wrap(f[2])}"
    if kind in ("forall", "exists"):
        return f"{kind} {f[1]}. ({show(f[2])})"
    raise ValueError(f)


def _wrap(f) -> str:
    if f[0] == "atom" or (f[0] == "not" and f[1][0] == "atom"):
        return show(f)
    return f"({show(f)})"


def show_statement(st) -> str:
    kind = st[0]
    if kind == "axiom":
        f = st[1]
        return (f"({show(f)})" if f[0] in ("forall", "exists") else show(f)) + "."
    if kind == "rule":
        head, body = st[1], st[2]
        if not body:
            return show_atom(head) + "."
        return f"{show_atom(head)} :- {', '.join(show(b) for b in body)}."
    if kind == "closed":
        return f"closed {', '.join(st[1])}."
    raise ValueError(st)


def show_kb(statements) -> str:
    return "\n".join(show_statement(s) for s in statements)


# ---------------------------------------------------------------- structure


def constants_of(x, out=None) -> set:
    """The constants mentioned in a formula, statement or list of statements."""
    out = set() if out is None else out
    if isinstance(x, list):
        for s in x:
            constants_of(s, out)
        return out
    kind = x[0]
    if kind == "atom":
        out.update(a for a in x[2] if not is_var(a))
    elif kind == "not":
        constants_of(x[1], out)
    elif kind in ("and", "or", "imp", "iff"):
        for y in x[1:]:
            constants_of(y, out)
    elif kind in ("forall", "exists"):
        constants_of(x[2], out)
    elif kind == "axiom":
        constants_of(x[1], out)
    elif kind == "rule":
        constants_of(x[1], out)
        for b in x[2]:
            constants_of(b, out)
    return out


def predicates_of(x, out=None) -> dict:
    """pred -> arity, for a formula, statement or list of statements."""
    out = {} if out is None else out
    if isinstance(x, list):
        for s in x:
            predicates_of(s, out)
        return out
    kind = x[0]
    if kind == "atom":
        out[x[1]] = len(x[2])
    elif kind == "not":
        predicates_of(x[1], out)
    elif kind in ("and", "or", "imp", "iff"):
        for y in x[1:]:
            predicates_of(y, out)
    elif kind in ("forall", "exists"):
        predicates_of(x[2], out)
    elif kind == "axiom":
        predicates_of(x[1], out)
    elif kind == "rule":
        predicates_of(x[1], out)
        for b in x[2]:
            predicates_of(b, out)
    return out


def free_vars(f, bound=frozenset()) -> set:
    kind = f[0]
    if kind == "atom":
        return {a for a in f[2] if is_var(a) and a not in bound}
    if kind == "not":
        return free_vars(f[1], bound)
    if kind in ("and", "or", "imp", "iff"):
        return set().union(*(free_vars(y, bound) for y in f[1:]))
    if kind in ("forall", "exists"):
        return free_vars(f[2], bound | {f[1]})
    raise ValueError(f)


def rule_sentence(st):
    """The classical reading of a rule: forall vars (body -> head)."""
    head, body = st[1], st[2]
    if not body:
        f = head
    else:
        b = body[0] if len(body) == 1 else ("and",) + tuple(body)
        f = ("imp", b, head)
    for v in sorted(free_vars(f), reverse=True):
        f = ("forall", v, f)
    return f


def substitute(f, sub: dict):
    kind = f[0]
    if kind == "atom":
        return ("atom", f[1], tuple(sub.get(a, a) for a in f[2]))
    if kind == "not":
        return ("not", substitute(f[1], sub))
    if kind in ("and", "or", "imp", "iff"):
        return (kind,) + tuple(substitute(y, sub) for y in f[1:])
    if kind in ("forall", "exists"):
        inner = {k: v for k, v in sub.items() if k != f[1]}
        return (kind, f[1], substitute(f[2], inner))
    raise ValueError(f)


# ---------------------------------------------------------------- the oracle

ATOM_RE = re.compile(r"^\s*([a-z][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$")


class Inconsistent(Exception):
    pass


class Oracle:
    """Models of a small KB, with the closed-world assumption applied.

    Attributes:
      consts        the domain (sorted constants of the KB, plus `extra_consts`)
      atoms         list of ground atoms (pred, args) over the domain
      base_models   bitmasks of the models of the statements (no closure)
      models        bitmasks of the models of KB + closure literals
      consistent    whether `models` is non-empty
      stratum_error whether the closed declarations have a cycle through negation (E017)
      ambiguous     whether other admissible settling orders would disagree (the language fixes one)
    """

    MAX_ATOMS = 16

    def __init__(self, statements, extra_consts=()):
        self.statements = list(statements)
        self.consts = sorted(constants_of(self.statements) | set(extra_consts))
        self.preds = predicates_of(self.statements)
        self.closed = sorted({p for st in self.statements if st[0] == "closed" for p in st[1]})
        for p in self.closed:
            self.preds.setdefault(p, None)   # declared closed but never used: no atoms
        self.atoms = []
        for p in sorted(self.preds):
            n = self.preds[p]
            if n is None:
                continue
            for args in itertools.product(self.consts, repeat=n):
                self.atoms.append((p, tuple(args)))
        if len(self.atoms) > self.MAX_ATOMS:
            raise ValueError(f"too many atoms for the oracle: {len(self.atoms)}")
        self.index = {a: i for i, a in enumerate(self.atoms)}
        self.sentences = [st[1] if st[0] == "axiom" else rule_sentence(st)
                          for st in self.statements if st[0] in ("axiom", "rule")]
        fn = self.compile(("and",) + tuple(self.sentences)) if self.sentences else (lambda m: True)
        self.base_models = [m for m in range(1 << len(self.atoms)) if fn(m)]
        self.stratum_error = self._negative_cycle()
        self.ambiguous = False
        self.models = self._close() if not self.stratum_error else []
        self.consistent = bool(self.models)

    # ------------------------------------------------------------ compile to python
    def expr(self, f, env=None) -> str:
        """A python expression over the interpretation bitmask `m` for a closed formula."""
        env = env or {}
        kind = f[0]
        if kind == "atom":
            args = tuple(env.get(a, a) for a in f[2])
            if any(is_var(a) for a in args):
                raise ValueError(f"free variable in {f}")
            key = (f[1], args)
            if key not in self.index:
                # an atom of a predicate or constant the KB does not know: a free atom would need
                # its own bit; the tests only ask about known symbols
                raise KeyError(key)
            return f"(((m >> {self.index[key]}) & 1) == 1)"
        if kind == "not":
            return f"(not {self.expr(f[1], env)})"
        if kind == "and":
            return "(" + " and ".join(self.expr(x, env) for x in f[1:]) + ")"
        if kind == "or":
            return "(" + " or ".join(self.expr(x, env) for x in f[1:]) + ")"
        if kind == "imp":
            return f"((not {self.expr(f[1], env)}) or {self.expr(f[2], env)})"
        if kind == "iff":
            return f"({self.expr(f[1], env)} == {self.expr(f[2], env)})"
        if kind in ("forall", "exists"):
            parts = [self.expr(f[2], {**env, f[1]: c}) for c in self.consts]
            if not parts:
                return "True" if kind == "forall" else "False"
            return "(" + (" and " if kind == "forall" else " or ").join(parts) + ")"
        raise ValueError(f)

    def compile(self, f):
        return eval(f"lambda m: bool({self.expr(f)})")   # noqa: S307  (our own generated text)

    # ------------------------------------------------------------ closed predicates
    def _rule_graph(self) -> dict:
        """head pred -> set of (body pred, negated?)"""
        graph: dict = {}
        for st in self.statements:
            if st[0] == "rule":
                edges = graph.setdefault(st[1][1], set())
                for b in st[2]:
                    if b[0] == "not":
                        edges.add((b[1][1], True))
                    else:
                        edges.add((b[1], False))
        return graph

    def _reach(self, graph, start) -> set:
        seen, stack = {start}, [start]
        while stack:
            for q, _ in graph.get(stack.pop(), ()):
                if q not in seen:
                    seen.add(q)
                    stack.append(q)
        return seen

    def _negative_cycle(self) -> bool:
        graph = self._rule_graph()
        closed = set(self.closed)
        for head, edges in graph.items():
            for p, neg in edges:
                if neg and head in closed and p in closed and head in self._reach(graph, p):
                    return True
        return False

    def _settle(self, models, preds):
        """Close `preds` at once: keep the models where every non-entailed atom of them is false."""
        mask = 0
        for i, (p, _) in enumerate(self.atoms):
            if p in preds:
                mask |= 1 << i
        if not models or not mask:
            return models
        entailed = mask
        for m in models:
            entailed &= m
        false = mask & ~entailed
        return [m for m in models if not m & false]

    def _close(self):
        if not self.closed:
            return list(self.base_models)
        graph = self._rule_graph()
        reach = {p: self._reach(graph, p) for p in self.closed}
        # p must be settled after q when p depends on q but not q on p
        after = {p: {q for q in self.closed if q != p and q in reach[p] and p not in reach[q]}
                 for p in self.closed}
        results = set()
        first = None
        for order in itertools.permutations(self.closed):
            pos = {p: k for k, p in enumerate(order)}
            if any(pos[q] > pos[p] for p in self.closed for q in after[p]):
                continue
            models = list(self.base_models)
            for p in order:
                models = self._settle(models, {p})
            results.add(tuple(models))
            if first is None:
                first = models
        # the same, settling each set of mutually dependent closed predicates at once
        classes = []
        for p in self.closed:
            cls = frozenset(q for q in self.closed if q in reach[p] and p in reach[q])
            if cls not in classes:
                classes.append(cls)
        for order in itertools.permutations(classes):
            pos = {p: k for k, c in enumerate(order) for p in c}
            if any(pos[q] > pos[p] for p in self.closed for q in after[p]):
                continue
            models = list(self.base_models)
            for c in order:
                models = self._settle(models, set(c))
            results.add(tuple(models))
        self.ambiguous = len(results) > 1
        return first

    # ------------------------------------------------------------ answers
    def holds(self, f, m) -> bool:
        return self.compile(f)(m)

    def verdict(self, f, models=None) -> str:
        """'true' / 'false' / 'unknown' for a closed formula (over the final models)."""
        models = self.models if models is None else models
        if not models:
            raise Inconsistent()
        fn = self.compile(f)
        values = {fn(m) for m in models}
        if values == {True}:
            return "true"
        if values == {False}:
            return "false"
        return "unknown"

    def entailed_bindings(self, f) -> set:
        """Tuples of constants (in sorted order of the free variables) whose instance is entailed."""
        names = sorted(free_vars(f))
        out = set()
        for values in itertools.product(self.consts, repeat=len(names)):
            if self.verdict(substitute(f, dict(zip(names, values)))) == "true":
                out.add(tuple(values))
        return out

    def atom_bit(self, text: str):
        """Bit index of a printed ground atom such as `r(a, b)` or `p`, or None."""
        m = ATOM_RE.match(text)
        if not m:
            return None
        args = tuple(x.strip() for x in m.group(2).split(",")) if m.group(2) else ()
        return self.index.get((m.group(1), args))

    def extends(self, assignment: dict, f, want: bool) -> bool:
        """Some final model agrees with `assignment` (printed atom -> bool/None) and gives f the value want."""
        fn = self.compile(f)
        fixed = []
        for text, value in assignment.items():
            if value is None:
                continue
            bit = self.atom_bit(text)
            if bit is None:
                raise KeyError(f"witness names an atom the oracle does not know: {text}")
            fixed.append((bit, bool(value)))
        return any(fn(m) == want and all(bool(m >> b & 1) == v for b, v in fixed) for m in self.models)

    def entails_from(self, sentences, f) -> bool:
        """Do these classical sentences (no closure) entail f? Over the oracle's atoms."""
        fn = self.compile(("and",) + tuple(sentences)) if sentences else (lambda m: True)
        g = self.compile(f)
        return all(g(m) for m in range(1 << len(self.atoms)) if fn(m))


# ---------------------------------------------------------------- reading the engine's claims
_TOKEN = re.compile(r"\s*(<->|->|[()&|~,.:]|[A-Za-z_][A-Za-z0-9_]*|'[^']*')")


def parse(text: str):
    """Parse a claim as the engine prints it (`forall X: thing. a(X) -> b(X)`) into a formula.

    Loosest first: <->, -> (right associative), |, &, not/~; a quantifier's scope runs as far
    right as possible. Sorts after variables are read and dropped (everything is `thing`)."""
    toks, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read claim {text!r} at {pos}")
        toks.append(m.group(1))
        pos = m.end()
    p = _Parser(toks)
    f = p.iff()
    if p.k != len(toks):
        raise ValueError(f"trailing text in claim {text!r}")
    return f


class _Parser:
    def __init__(self, toks):
        self.toks, self.k = toks, 0

    def peek(self):
        return self.toks[self.k] if self.k < len(self.toks) else None

    def take(self, want=None):
        t = self.peek()
        if want is not None and t != want:
            raise ValueError(f"expected {want!r}, found {t!r} in {' '.join(self.toks)}")
        self.k += 1
        return t

    def iff(self):
        f = self.imp()
        while self.peek() == "<->":
            self.take()
            f = ("iff", f, self.imp())
        return f

    def imp(self):
        f = self.disj()
        if self.peek() == "->":
            self.take()
            return ("imp", f, self.imp())
        return f

    def disj(self):
        items = [self.conj()]
        while self.peek() == "|":
            self.take()
            items.append(self.conj())
        return items[0] if len(items) == 1 else ("or",) + tuple(items)

    def conj(self):
        items = [self.unary()]
        while self.peek() == "&":
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else ("and",) + tuple(items)

    def unary(self):
        t = self.peek()
        if t in ("not", "~"):
            self.take()
            return ("not", self.unary())
        if t in ("forall", "exists"):
            self.take()
            names = [self.take()]
            if self.peek() == ":":
                self.take()
                self.take()
            while self.peek() == ",":
                self.take()
                names.append(self.take())
                if self.peek() == ":":
                    self.take()
                    self.take()
            self.take(".")
            body = self.iff()
            for n in reversed(names):
                body = (t, n, body)
            return body
        if t == "(":
            self.take()
            f = self.iff()
            self.take(")")
            return f
        name = self.take()
        if name is None or not (name[0].islower() or name[0] == "'"):
            raise ValueError(f"expected an atom, found {name!r} in {' '.join(self.toks)}")
        args = []
        if self.peek() == "(":
            self.take()
            args.append(self.take())
            while self.peek() == ",":
                self.take()
                args.append(self.take())
            self.take(")")
        return ("atom", name, tuple(args))


def instance(f, sub: dict):
    """Instantiate the outer universal variables of f named in sub (the kernel's `instances`)."""
    names = []
    while f[0] == "forall" and f[1] in sub:
        names.append(f[1])
        f = f[2]
    if set(sub) - set(names):
        # the variables are in a different order, or not all outer: peel generally
        raise ValueError(f"instance {sub} does not match the quantifier prefix")
    return substitute(f, sub)
