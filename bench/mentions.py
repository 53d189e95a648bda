"""Precision and recall of the mention extractor on hand-labelled passages.

Usage::

    python -m bench.mentions [--labelled tests/fixtures/mentions/labelled.jsonl] [--errors]

The gazetteer is built the way ``lineage extract mentions`` builds it: from the Model and Method
nodes of a store, here a temporary embedded store holding the curated lineage. Each labelled
passage (``{"text", "source", "kind", "expected": [node ids]}``) is matched, and the set of node ids
found is compared with the expected set: a found id not expected is a false positive, an expected
id not found a false negative. Scores are micro-averaged over passages, overall and per kind of
text (arXiv titles+abstracts, model-card paragraphs, lines of the Chinese seed articles).
What counts as a mention is written down in ``tests/fixtures/mentions/PROVENANCE.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "fixtures" / "mentions" / "labelled.jsonl"
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


def evaluate(rows: list[dict], gazetteer) -> dict[str, Score]:
    """Scores keyed by passage kind, plus ``"all"``."""
    scores: dict[str, Score] = {"all": Score()}
    for row in rows:
        found = {m.node_id: m for m in gazetteer.find(row["text"])}
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--errors", action="store_true", help="list every false positive and negative")
    args = parser.parse_args(argv)
    rows = read_labelled(args.labelled)
    scores = evaluate(rows, curated_gazetteer())
    kinds = Counter(r.get("kind", "other") for r in rows)
    print(
        f"{len(rows)} passages ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}), "
        f"{sum(len(r['expected']) for r in rows)} labelled mentions"
    )
    print(f"{'kind':10} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>7}")
    for key in ["all", *sorted(k for k in scores if k != "all")]:
        s = scores[key]
        print(f"{key:10} {s.tp:4} {s.fp:4} {s.fn:4} {s.precision:10.3f} {s.recall:7.3f}")
    if args.errors:
        print("\n".join(scores["all"].errors))
    total = scores["all"]
    ok = total.precision >= TARGETS["precision"] and total.recall >= TARGETS["recall"]
    print(f"targets P >= {TARGETS['precision']}, R >= {TARGETS['recall']}: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
