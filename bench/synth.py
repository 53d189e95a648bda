"""A seeded synthetic lineage graph at any size, for benchmarks.

Papers cite only older papers with preferential attachment (power-law in-degree, as in real
citation networks); models and methods sit on top with introduces and builds-on edges.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from graph.schema import Edge, Method, Model, Paper, Provenance

PROV = [Provenance(source="edge_list", evidence="synthetic", confidence=1.0, retrieved="2026-11-23")]
CURATED = [Provenance(source="curated", evidence="synthetic", confidence=1.0, retrieved="2026-11-23")]
KINDS = ["fine_tuned_from", "extends", "uses_method", "variant_of", "derived_from"]


def paper_id(i: int) -> str:
    year, rest = 15 + i // 900_000, i % 900_000
    month, num = 1 + rest // 90_000, rest % 90_000
    return f"arxiv:{year:02d}{month:02d}.{num:05d}"


def synthetic(edges: int, *, cites_per_paper: int = 10, seed: int = 7) -> Iterator[Any]:
    """Yield nodes and edges (each node before any edge that needs it), ``edges`` edges in all."""
    rng = random.Random(seed)
    n_papers = max(edges // (cites_per_paper + 1), 20)
    n_models = max(n_papers // 50, 5)
    n_methods = max(n_papers // 200, 3)
    targets: list[int] = []  # each paper once per citation it received, plus once: preferential attachment
    emitted = 0
    for i in range(n_papers):
        yield Paper(
            id=paper_id(i),
            title=f"Synthetic paper {i}",
            published=f"20{15 + i * 9 // n_papers:02d}-01-01",
            categories=["cs.CL"],
            authors=[],
        )
        if i:
            k = min(i, cites_per_paper)
            cited = {targets[rng.randrange(len(targets))] for _ in range(k)}
            for j in cited:
                if emitted >= edges:
                    break
                yield Edge(type="CITES", source=paper_id(i), target=paper_id(j), provenance=PROV)
                emitted += 1
                targets.append(j)
        targets.append(i)
    for m in range(n_methods):
        yield Method(id=f"method:m{m}", name=f"Method {m}")
        yield Edge(
            type="INTRODUCES", source=paper_id(rng.randrange(n_papers)), target=f"method:m{m}", provenance=CURATED
        )
    for m in range(n_models):
        yield Model(id=f"model:x{m}", name=f"Model {m}")
        yield Edge(
            type="INTRODUCES", source=paper_id(rng.randrange(n_papers)), target=f"model:x{m}", provenance=CURATED
        )
        if m:
            yield Edge(
                type="BUILDS_ON",
                kind=rng.choice(KINDS[:2]),
                source=f"model:x{m}",
                target=f"model:x{rng.randrange(m)}",
                provenance=CURATED,
            )
        yield Edge(
            type="BUILDS_ON",
            kind="uses_method",
            source=f"model:x{m}",
            target=f"method:m{rng.randrange(n_methods)}",
            provenance=CURATED,
        )
