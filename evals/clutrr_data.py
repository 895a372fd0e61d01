"""CLUTRR kinship chains: the item type, a seeded generator, the CSV reader, renaming.

A chain item says: node i+1 is the `edges[i]` of node i (CLUTRR's `edge_types`), with the
gender of every node; its `target` is the relation of the last node to the first.

The generator follows CLUTRR's own recipe on a random family tree: pick two people whose
relation is in the vocabulary, then split one edge (u, v) of the chain at a time into
(u, c), (c, v) through a fresh person c of the tree, where both new edges are true
relations of the tree and the split is one of CLUTRR's composition patterns (`SPLITS`,
the 62 patterns of the CLUTRR rule store, e.g. grandfather = father . father; by default
the 54 sound ones, see UNSOUND). The label is read off the tree (`relation`), never from
a rule table, and every edge of every chain is a true relation of the tree.
"""
from __future__ import annotations

import ast
import csv
import glob
import os
import random
import re
from dataclasses import dataclass

MALE = {"father": "mother", "son": "daughter", "husband": "wife", "brother": "sister",
        "grandfather": "grandmother", "grandson": "granddaughter", "uncle": "aunt",
        "nephew": "niece", "father-in-law": "mother-in-law", "son-in-law": "daughter-in-law"}
RELATIONS = tuple(r for pair in MALE.items() for r in pair)
EDGES = ("father", "mother", "son", "daughter", "husband", "wife", "brother", "sister", "grandfather",
         "grandmother", "grandson", "granddaughter", "uncle", "aunt")
# CLUTRR's composition patterns, as (first edge, second edge) -> relation of the end to the start.
SPLITS = {
    **{(s, r): r for s in ("brother", "sister") for r in ("brother", "sister", "father", "mother",
                                                           "grandfather", "grandmother")},
    **{(s, "son"): "nephew" for s in ("brother", "sister")}, **{(s, "daughter"): "niece" for s in ("brother", "sister")},
    **{(p, "brother"): "uncle" for p in ("father", "mother")}, **{(p, "sister"): "aunt" for p in ("father", "mother")},
    **{(p, "father"): "grandfather" for p in ("father", "mother")},
    **{(p, "mother"): "grandmother" for p in ("father", "mother")},
    **{(p, "son"): "brother" for p in ("father", "mother")}, **{(p, "daughter"): "sister" for p in ("father", "mother")},
    **{(c, "son"): "grandson" for c in ("son", "daughter")}, **{(c, "daughter"): "granddaughter" for c in ("son", "daughter")},
    **{(c, "brother"): "son" for c in ("son", "daughter")}, **{(c, "sister"): "daughter" for c in ("son", "daughter")},
    **{(c, "grandfather"): "father" for c in ("son", "daughter")},
    **{(c, "grandmother"): "mother" for c in ("son", "daughter")},
    **{(c, "uncle"): "brother" for c in ("son", "daughter")}, **{(c, "aunt"): "sister" for c in ("son", "daughter")},
    **{(g, "brother"): "grandson" for g in ("grandson", "granddaughter")},
    **{(g, "sister"): "granddaughter" for g in ("grandson", "granddaughter")},
    **{(s, r): r for s in ("husband", "wife") for r in ("son", "daughter", "grandson", "granddaughter")},
    **{(s, "father"): "father-in-law" for s in ("husband", "wife")},
    **{(s, "mother"): "mother-in-law" for s in ("husband", "wife")},
    ("daughter", "husband"): "son-in-law", ("son", "wife"): "daughter-in-law",
}
# Eight of them are not sound in a family tree: a son's grandfather may be one's father or
# one's father-in-law, a son's aunt one's sister or one's sister-in-law. CLUTRR labels the
# same chain both ways (its training file has [husband, daughter, grandfather] as father and
# as father-in-law). The generator splits with the sound ones only, so that every generated
# chain's label is determined by the chain.
UNSOUND = {(c, r) for c in ("son", "daughter") for r in ("grandfather", "grandmother", "uncle", "aunt")}
SOUND_SPLITS = {pair: r for pair, r in SPLITS.items() if pair not in UNSOUND}


@dataclass(frozen=True)
class Item:
    edges: tuple          # edges[i]: node i+1 is the edges[i] of node i
    genders: tuple        # "male" / "female" per node
    target: str           # relation of the last node to the first
    source: str = ""      # where it came from: "train_k2_k3.csv:17", "gen:3"

    @property
    def k(self) -> int:
        return len(self.edges)

    def tokens(self) -> list[str]:
        """The baselines' input: genders interleaved with relations, g0 r0 g1 r1 ... gk."""
        out = [self.genders[0]]
        for edge, gender in zip(self.edges, self.genders[1:]):
            out += [edge, gender]
        return out


# ------------------------------------------------------------------ family trees
@dataclass(frozen=True)
class Tree:
    gender: tuple         # per person
    parents: dict         # person -> (father, mother)
    spouse: dict          # person -> person


def family_tree(rng: random.Random, generations: int = 5, children=(1, 4), marry: float = 0.85) -> Tree:
    """A founding couple; every couple has 1-4 children; a child marries an outsider with p=`marry`."""
    gender, parents, spouse = ["male", "female"], {}, {0: 1, 1: 0}
    couples = [(0, 1)]
    for _ in range(generations - 1):
        nxt = []
        for f, m in couples:
            for _ in range(rng.randint(*children)):
                c = len(gender)
                gender.append(rng.choice(("male", "female")))
                parents[c] = (f, m)
                if rng.random() < marry:
                    s = len(gender)
                    gender.append("female" if gender[c] == "male" else "male")
                    spouse[c], spouse[s] = s, c
                    nxt.append((c, s) if gender[c] == "male" else (s, c))
        couples = nxt
    return Tree(tuple(gender), parents, spouse)


def relatives(tree: Tree) -> list[dict]:
    """For each person a, {b: relation of b to a} for every b whose relation is in the vocabulary."""
    children: dict = {}
    for c, ps in tree.parents.items():
        for p in ps:
            children.setdefault(p, []).append(c)
    up = lambda a: list(tree.parents.get(a, ()))
    down = lambda a: children.get(a, [])
    sibs = lambda a: [s for s in down(up(a)[0]) if s != a] if a in tree.parents else []
    table = []
    for a in range(len(tree.gender)):
        rel: dict = {}
        groups = [("father", up(a)), ("son", down(a)), ("husband", [tree.spouse[a]] if a in tree.spouse else []),
                  ("brother", sibs(a)), ("grandfather", [g for p in up(a) for g in up(p)]),
                  ("grandson", [g for c in down(a) for g in down(c)]),
                  ("uncle", [u for p in up(a) for u in sibs(p)]), ("nephew", [n for s in sibs(a) for n in down(s)]),
                  ("father-in-law", up(tree.spouse[a]) if a in tree.spouse else []),
                  ("son-in-law", [tree.spouse[c] for c in down(a) if c in tree.spouse])]
        for base, people in groups:
            for b in people:
                rel.setdefault(b, base if tree.gender[b] == "male" else MALE[base])
        table.append(rel)
    return table


def relation(table: list[dict], a: int, b: int) -> str | None:
    """The relation of b to a in the tree (None when it is not in the vocabulary)."""
    return table[a].get(b)


# ------------------------------------------------------------------ chains
def split_chain(tree: Tree, table: list[dict], k: int, rng: random.Random, splits=SOUND_SPLITS) -> list[int] | None:
    """People p0..pk of a chain built by k-1 CLUTRR splits, or None when the tree has none."""
    a = rng.randrange(len(tree.gender))
    ends = [b for b, r in table[a].items() if r in {r for r in splits.values()}]
    if not ends:
        return None
    path = [a, rng.choice(ends)]
    for _ in range(k - 1):
        options = [(i, c) for i in range(len(path) - 1) for c, r1 in table[path[i]].items()
                   if c not in path and splits.get((r1, table[c].get(path[i + 1]))) == table[path[i]][path[i + 1]]]
        if not options:
            return None
        i, c = rng.choice(options)
        path.insert(i + 1, c)
    return path


def generate(k: int, n: int, seed: int, splits=SOUND_SPLITS, tag: str = "gen") -> list[Item]:
    """n chains of exactly k edges, labelled from their family trees."""
    rng, items, attempts = random.Random(f"{seed}:{k}:{tag}"), [], 0
    tree = table = None
    while len(items) < n:
        if attempts % 20 == 0:
            tree = family_tree(rng)
            table = relatives(tree)
        attempts += 1
        path = split_chain(tree, table, k, rng, splits)
        if path is None:
            continue
        edges = tuple(relation(table, u, v) for u, v in zip(path, path[1:]))
        items.append(Item(edges, tuple(tree.gender[p] for p in path), relation(table, path[0], path[-1]),
                          f"{tag}:k={k}:{len(items)}"))
    return items


# ------------------------------------------------------------------ CLUTRR CSV files
def read_csv(path: str) -> tuple[list[Item], int]:
    """The chain items of a CLUTRR csv file, and how many rows were skipped (not a chain)."""
    items, skipped = [], 0
    with open(path, newline="") as f:
        for n, row in enumerate(csv.DictReader(f)):
            item = _row_item(row, f"{os.path.basename(path)}:{n}")
            if item is None:
                skipped += 1
            else:
                items.append(item)
    return items, skipped


def _row_item(row: dict, source: str) -> Item | None:
    edges = tuple(ast.literal_eval(row["edge_types"]))
    story = [tuple(e) for e in ast.literal_eval(row["story_edges"])]
    genders = tuple(p.rsplit(":", 1)[1].strip() for p in row["genders"].split(","))
    query = tuple(ast.literal_eval(row["query_edge"])) if row.get("query_edge") else (0, len(edges))
    if story != [(i, i + 1) for i in range(len(edges))] or query != (0, len(edges)) \
            or len(genders) != len(edges) + 1:
        return None
    return Item(edges, genders, row["target"].strip(), source)


def load_dir(data_dir: str) -> tuple[list[Item], dict, list[str]]:
    """Training items (*train*.csv), test items by k (*.k_test.csv), notes."""
    notes, train = [], []
    for path in sorted(glob.glob(os.path.join(data_dir, "*train*.csv"))):
        items, skipped = read_csv(path)
        train += items
        notes.append(f"train: {path} ({len(items)} chains" + (f", {skipped} rows skipped)" if skipped else ")"))
    tests = {}
    for path in sorted(glob.glob(os.path.join(data_dir, "*_test.csv"))):
        m = re.search(r"(\d+)\.(\d+)_test\.csv$", path)
        if m:
            tests[int(m.group(2))] = read_csv(path)[0]
    return train, tests, notes


# ------------------------------------------------------------------ renaming
def nonsense_names(n: int, seed: int) -> list[str]:
    """n distinct pronounceable nonsense words (lower-case, no digits), e.g. 'zorvik'."""
    rng = random.Random(f"names:{seed}")
    onset, vowel, coda = "bdfgklmnprstvz", "aeiou", ["", "k", "rv", "x", "nd", "l", "sp"]
    out: list[str] = []
    while len(out) < n:
        w = "".join(rng.choice(onset) + rng.choice(vowel) for _ in range(2)) + rng.choice(coda)
        if w not in out and w not in RELATIONS:
            out.append(w)
    return out


def rename_relations(items: list[Item], mapping: dict) -> list[Item]:
    return [Item(tuple(mapping[e] for e in it.edges), it.genders, mapping.get(it.target, it.target), it.source)
            for it in items]
