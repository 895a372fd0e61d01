"""CLUTRR kinship stories: the item type, a seeded generator, the CSV reader, renaming.

A story item is a list of edges (CLUTRR's `story_edges`, `edge_types`): edge (u, v) of type r
says node v is the r of node u; every node has a gender; `target` is the relation of the
query's second node to its first (`query_edge`). A *chain* is the special case where the edges
are (0, 1), (1, 2), ..., (k-1, k) and the query is (0, k); CLUTRR's long stories are often not
chains (back edges, extra relations), and every row is read and scored whatever its shape.

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
from dataclasses import dataclass, replace

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
    edges: tuple          # edge types, in story order: node story[i][1] is the edges[i] of node story[i][0]
    genders: tuple        # "male" / "female" per node (node j: genders[j])
    target: str           # relation of node query[1] to node query[0]
    source: str = ""      # where it came from: "train_k2_k3.csv:17", "gen:3"
    story: tuple = ()     # the (u, v) node pairs of the edges; () = the chain (0, 1), ..., (k-1, k)
    query: tuple = ()     # the query's (first, second) nodes; () = (0, k)
    length: int = 0       # CLUTRR's k (its task_1.k / file k); 0 = the number of edges

    @property
    def k(self) -> int:
        return self.length or len(self.edges)

    @property
    def pairs(self) -> tuple:
        return self.story or tuple((i, i + 1) for i in range(len(self.edges)))

    @property
    def ends(self) -> tuple:
        return self.query or (0, len(self.edges))

    @property
    def is_chain(self) -> bool:
        return self.pairs == tuple((i, i + 1) for i in range(len(self.edges))) and self.ends == (0, len(self.edges)) \
            and len(self.genders) == len(self.edges) + 1

    def tokens(self) -> list[str]:
        """The baselines' input. A chain: genders interleaved with relations, g0 r0 g1 r1 ... gk.
        Any other story: each edge in story order as `n<u> g_u r n<v> g_v` (node indices as tokens,
        each node with its gender), then `? n<a> n<b>` for the query (a, b)."""
        if self.is_chain:
            out = [self.genders[0]]
            for edge, gender in zip(self.edges, self.genders[1:]):
                out += [edge, gender]
            return out
        out = []
        for (u, v), edge in zip(self.pairs, self.edges):
            out += [f"n{u}", self.genders[u], edge, f"n{v}", self.genders[v]]
        a, b = self.ends
        return out + ["?", f"n{a}", f"n{b}"]


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


def generate(k: int, n: int, seed: int, splits=SOUND_SPLITS, tag: str = "gen", nonchain: float = 0.0) -> list[Item]:
    """n stories of k chain edges, labelled from their family trees. A fraction `nonchain` of them are not
    chains (`extra_edge`): one more true edge of the tree, nodes renumbered at random."""
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
        item = Item(edges, tuple(tree.gender[p] for p in path), relation(table, path[0], path[-1]),
                    f"{tag}:k={k}:{len(items)}")
        if nonchain and rng.random() < nonchain:
            item = extra_edge(item, path, tree, table, rng)
            if item is None:
                continue
        items.append(item)
    return items


EXTRA_KINDS = ("back", "shortcut", "distractor")


def extra_edge(item: Item, path: list[int], tree: Tree, table: list[dict], rng: random.Random,
               kind: str | None = None) -> Item | None:
    """The chain `item` (people `path`) with one more true edge of the tree, inserted at a random place in
    the story, and its nodes renumbered at random (so the query is no longer (0, k)):
    'back': an edge of the chain told backwards too (node i is the r of node i+1);
    'shortcut': a relation between two chain people that are not neighbours, in either direction;
    'distractor': a relation between a chain person and someone off the chain (a new node).
    None when the tree offers no such edge. The label stays the tree's relation of the last to the first."""
    kind = kind or rng.choice(EXTRA_KINDS)
    people, k = list(path), len(path) - 1
    if kind == "back":
        options = [(i + 1, i) for i in range(k)]
    elif kind == "shortcut":
        options = [(i, j) for i in range(k + 1) for j in range(k + 1) if abs(i - j) > 1 and (i, j) != (0, k)
                   and (j, i) != (0, k)]
    else:
        options = [(i, k + 1, c) for i in range(k + 1) for c in table[path[i]] if c not in path]
    options = [o for o in options
               if relation(table, people[o[0]] if o[0] <= k else o[2], o[2] if o[1] > k else people[o[1]])]
    if not options:
        return None
    pick = rng.choice(options)
    if kind == "distractor":
        people.append(pick[2])
    u, v = pick[0], pick[1]
    new_edge = relation(table, people[u], people[v])
    order = list(range(len(people)))
    rng.shuffle(order)                                   # old node -> new node number
    pairs = [(i, i + 1) for i in range(k)]
    edges = list(item.edges)
    at = rng.randint(0, k)
    pairs.insert(at, (u, v))
    edges.insert(at, new_edge)
    genders = [""] * len(people)
    for old, new in enumerate(order):
        genders[new] = tree.gender[people[old]]
    return Item(tuple(edges), tuple(genders), item.target, f"{item.source}:{kind}",
                tuple((order[a], order[b]) for a, b in pairs), (order[0], order[k]), k)


# ------------------------------------------------------------------ CLUTRR CSV files
class RowError(ValueError):
    """A CLUTRR row that cannot be read: the message names the file and the row."""


def read_csv(path: str, length: int | None = None) -> list[Item]:
    """Every row of a CLUTRR csv file as a story item (chain or not), in file order. `length`: the k of
    every row (a test file's k); otherwise the row's task_name (task_1.k), else its number of edges.
    A row that cannot be read raises RowError naming the file and the row: no row is skipped."""
    items = []
    with open(path, newline="") as f:
        for n, row in enumerate(csv.DictReader(f)):
            source = f"{os.path.basename(path)}:{n}"
            try:
                items.append(_row_item(row, source, length))
            except Exception as e:          # noqa: BLE001 - any malformed field: name the row
                raise RowError(f"{path}: row {n} (id {row.get('id', '?')!r}) cannot be read: {e}") from e
    return items


def _row_item(row: dict, source: str, length: int | None) -> Item:
    edges = tuple(str(e).strip() for e in ast.literal_eval(row["edge_types"]))
    story = tuple(tuple(int(x) for x in e) for e in ast.literal_eval(row["story_edges"]))
    genders = tuple(p.rsplit(":", 1)[1].strip() for p in row["genders"].split(","))
    query = tuple(int(x) for x in ast.literal_eval(row["query_edge"])) if row.get("query_edge") \
        else (0, len(edges))
    target = row["target"].strip()
    if len(story) != len(edges):
        raise ValueError(f"{len(story)} story edges but {len(edges)} edge types")
    if not edges or any(len(e) != 2 for e in story) or len(query) != 2:
        raise ValueError(f"story edges {story}, query {query}")
    nodes = {x for e in story for x in e} | set(query)
    if min(nodes) < 0 or max(nodes) >= len(genders):
        raise ValueError(f"node {max(nodes)} but {len(genders)} genders")
    if set(genders) - {"male", "female"} or not target or not all(edges):
        raise ValueError(f"genders {genders}, target {target!r}, edge types {edges}")
    m = re.fullmatch(r"task_\d+\.(\d+)", (row.get("task_name") or "").strip())
    k = length or (int(m.group(1)) if m else len(edges))
    chain = story == tuple((i, i + 1) for i in range(len(edges))) and query == (0, len(edges)) \
        and len(genders) == len(edges) + 1
    if chain:
        return Item(edges, genders, target, source, length=k if k != len(edges) else 0)
    return Item(edges, genders, target, source, story, query, k)


def load_dir(data_dir: str) -> tuple[list[Item], dict, list[str]]:
    """Training items (*train*.csv), test items by k (*.k_test.csv), notes. Every row is read."""
    notes, train = [], []
    for path in sorted(glob.glob(os.path.join(data_dir, "*train*.csv"))):
        items = read_csv(path)
        train += items
        notes.append(f"train: {path} ({len(items)} rows, {sum(not it.is_chain for it in items)} not chains)")
    tests = {}
    for path in sorted(glob.glob(os.path.join(data_dir, "*_test.csv"))):
        m = re.search(r"(\d+)\.(\d+)_test\.csv$", path)
        if m:
            tests[int(m.group(2))] = items = read_csv(path, int(m.group(2)))
            notes.append(f"test: {path} ({len(items)} rows, {sum(not it.is_chain for it in items)} not chains)")
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
    return [replace(it, edges=tuple(mapping[e] for e in it.edges), target=mapping.get(it.target, it.target))
            for it in items]
