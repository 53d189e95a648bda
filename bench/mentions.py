"""Precision and recall of the mention extractor on hand-labelled passages.

Usage::

    python -m bench.mentions [--set tuned|dev|test] [--labelled FILE] [--errors]

The gazetteer is built the way ``lineage extract mentions`` builds it: from the Model and Method
nodes of a store, here a temporary embedded store holding the curated lineage. Each labelled
passage (``{"text", "source", "kind", "expected": [node ids]}``) is matched, and the set of node ids
found is compared with the expected set: a found id not expected is a false positive, an expected
id not found a false negative. Scores are micro-averaged over passages, overall and per kind of
text (arXiv titles+abstracts, model-card paragraphs, lines of the Chinese seed articles).
What counts as a mention is written down in ``tests/fixtures/mentions/PROVENANCE.md``.

Three sets are scored separately, each with 95% Wilson intervals: ``tuned`` (the 284 passages the
first rules were refined on, so optimistic; labelled against the seed-derived nodes only, so
mentions of the nodes added beyond the seeds are not scored there), ``dev`` (held-out passages later rules may be tuned
on) and ``test`` (held-out, frozen before any rule change in commit 84231c1; see
``tests/fixtures/mentions/HELDOUT.md``). The targets are judged on ``test`` only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "mentions"
LABELLED = FIXTURES / "labelled.jsonl"
SETS = {"tuned": LABELLED, "dev": FIXTURES / "heldout_dev.jsonl", "test": FIXTURES / "heldout_test.jsonl"}
TARGETS = {"precision": 0.95, "recall": 0.90}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n: honest at small n and near 0 or 1."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def interval(k: int, n: int) -> str:
    low, high = wilson(k, n)
    return f"[{low:.3f}, {high:.3f}]"


def read_labelled(path: Path = LABELLED) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def curated_gazetteer():
    from graph.backends import open_store
    from loaders.curated import load_curated
    from loaders.mentions import Gazetteer

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store("ladybug", path=Path(tmp) / "bench.lbug")
        try:
            load_curated(store)
            return Gazetteer.from_store(store)
        finally:
            store.close()


def seed_nodes() -> frozenset[str]:
    """Model and method ids of the seed-derived part of the curated file: the nodes the ``tuned``
    set was labelled against (nodes added later say "Not from the seeds" in their note)."""
    import yaml

    data = yaml.safe_load((ROOT / "loaders" / "data" / "curated.yaml").read_text(encoding="utf-8"))
    return frozenset(
        n["id"]
        for section in ("models", "methods")
        for n in data[section]
        if not str(n.get("note", "")).startswith("Not from the seeds")
    )


def evaluate(rows: list[dict], gazetteer, universe: frozenset[str] | None = None) -> dict[str, Score]:
    """Scores keyed by passage kind, plus ``"all"``. With ``universe``, mentions of nodes outside it
    (nodes the set's labellers could not label) are left out."""
    scores: dict[str, Score] = {"all": Score()}
    for row in rows:
        found = {m.node_id: m for m in gazetteer.find(row["text"]) if universe is None or m.node_id in universe}
        expected = set(row["expected"])
        for key in ("all", row.get("kind", "other")):
            score = scores.setdefault(key, Score())
            score.tp += len(expected & set(found))
            score.fp += len(set(found) - expected)
            score.fn += len(expected - set(found))
        for node in sorted(set(found) - expected):
            scores["all"].errors.append(f"FP {node} ({found[node].span!r}, {found[node].rule}) in {row['source']}")
        for node in sorted(expected - set(found)):
            scores["all"].errors.append(f"FN {node} in {row['source']}")
    return scores


def report(name: str, rows: list[dict], gazetteer, *, errors: bool) -> Score:
    scores = evaluate(rows, gazetteer, seed_nodes() if name == "tuned" else None)
    kinds = Counter(r.get("kind", "other") for r in rows)
    print(
        f"\n== {name}: {len(rows)} passages ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}), "
        f"{sum(len(r['expected']) for r in rows)} labelled mentions"
    )
    print(f"{'kind':12} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'95% CI':>16} {'recall':>7} {'95% CI':>16}")
    for key in ["all", *sorted(k for k in scores if k != "all")]:
        s = scores[key]
        print(
            f"{key:12} {s.tp:4} {s.fp:4} {s.fn:4} {s.precision:10.3f} {interval(s.tp, s.tp + s.fp):>16} "
            f"{s.recall:7.3f} {interval(s.tp, s.tp + s.fn):>16}"
        )
    if errors:
        print("\n".join(scores["all"].errors))
    return scores["all"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), action="append", help="score only these sets (repeatable)")
    parser.add_argument("--labelled", type=Path, help="score this file instead of the named sets")
    parser.add_argument("--errors", action="store_true", help="list every false positive and negative")
    args = parser.parse_args(argv)
    gazetteer = curated_gazetteer()
    if args.labelled:
        report(str(args.labelled), read_labelled(args.labelled), gazetteer, errors=args.errors)
        return 0
    totals = {
        name: report(name, read_labelled(SETS[name]), gazetteer, errors=args.errors)
        for name in (args.set or ["tuned", "dev", "test"])
    }
    if "test" not in totals:
        return 0
    test = totals["test"]
    ok = test.precision >= TARGETS["precision"] and test.recall >= TARGETS["recall"]
    print(
        f"\ntargets on the frozen test set P >= {TARGETS['precision']}, R >= {TARGETS['recall']}: {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
