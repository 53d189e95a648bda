"""Snapshot-loader benchmark: papers/s and peak RSS of ``load_snapshot`` into each backend.

    python bench/snapshot.py --records 10000 100000 [--neo4j | --neo4j-only] [--batch-size 50000]

Generates a seeded file in the Kaggle ``arxiv-metadata-oai-snapshot.json`` format (realistic
field sizes: ~1.6 KB a line like the real 4 GB / 2.5M-record file, 1–12 authors drawn from a
shared pool so authors repeat, ~80% of papers in LLM categories) into a temp dir, then loads it
into a fresh store of each backend, each in its own subprocess so ``ru_maxrss`` is that load's
peak. Neo4j runs when NEO4J_URI is set or with ``--neo4j`` (the project's own server is started;
its JVM's memory is not in the RSS column, only the loader's).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loaders.arxiv_snapshot import BATCH_SIZE

LLM = ["cs.CL", "cs.LG", "cs.AI", "stat.ML"]
OTHER = ["cs.CV", "cs.IR", "cs.SE", "cs.RO", "math.OC", "physics.comp-ph", "q-bio.NC", "eess.AS", "hep-th"]
FIRST = [
    "Wei",
    "Anna",
    "Jian",
    "Maria",
    "Ahmed",
    "Yuki",
    "Lukas",
    "Priya",
    "Omar",
    "Chen",
    "Sofia",
    "Ivan",
    "Li",
    "Noah",
    "Emma",
    "Hiroshi",
    "Fatima",
    "Diego",
    "Sara",
    "Tomás",
    "Zoë",
    "Rahul",
    "Olga",
    "Kwame",
    "Aiko",
]
LAST = [
    "Zhang",
    "Smith",
    "Wang",
    "Müller",
    "Kumar",
    "García",
    "Tanaka",
    "Novak",
    "Kim",
    "Rossi",
    "Nguyen",
    "Silva",
    "Ivanova",
    "Okafor",
    "Hansen",
    "Dubois",
    "Cohen",
    "Park",
    "Singh",
    "Lopez",
    "Chen",
    "Brown",
    "Sato",
    "Li",
]
WORDS = [
    "language",
    "model",
    "training",
    "data",
    "transformer",
    "attention",
    "alignment",
    "preference",
    "reward",
    "instruction",
    "tuning",
    "scaling",
    "evaluation",
    "benchmark",
    "reasoning",
    "retrieval",
    "augmented",
    "generation",
    "fine-tuning",
    "distillation",
    "sparse",
    "mixture",
    "experts",
    "efficient",
    "inference",
    "quantization",
    "robustness",
    "safety",
    "multilingual",
    "tokens",
    "context",
    "window",
    "we",
    "propose",
    "show",
    "that",
    "our",
    "method",
    "outperforms",
    "baselines",
    "across",
    "tasks",
    "results",
    "demonstrate",
    "significant",
]


SYLLABLES = ["ka", "lo", "mi", "ren", "sa", "to", "vi", "zu", "an", "bel", "cor", "dan", "el", "fen", "gar"]
SYLLABLES += ["hol", "is", "jan", "kov", "lin", "mor", "nes", "ol", "per", "quin", "ros", "sen", "tal", "ur", "vos"]


def author_pool(rng: random.Random, size: int) -> list[tuple[str, str]]:
    """``size`` authors, ~80% distinct (500k → 406k), like arXiv's many authors. Surnames get two
    syllables appended: the bare name lists gave only 11,400 distinct authors, however many
    records (found in session 3)."""
    initials = "ABCDEFGHJKLMNPRSTW"
    return [
        (
            rng.choice(LAST) + rng.choice(SYLLABLES) + rng.choice(SYLLABLES),
            rng.choice(FIRST) + (f" {rng.choice(initials)}." if rng.random() < 0.3 else ""),
        )
        for _ in range(size)
    ]


START = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
SPAN_MINUTES = 11 * 365 * 24 * 60


def record(
    i: int, n: int, rng: random.Random, pool: list[tuple[str, str]], per_month: dict[str, int], llm_share: float = 0.8
) -> dict:
    """Record ``i`` of ``n``: submitted in id order over 2015–2025, like the real file."""
    first = START + dt.timedelta(minutes=i * SPAN_MINUTES // n)
    month = f"{first:%y%m}"
    per_month[month] = per_month.get(month, 0) + 1
    pid = f"{month}.{per_month[month]:05d}"
    n_versions = rng.choices([1, 2, 3, 4], weights=[55, 30, 10, 5])[0]
    versions = [
        {"version": f"v{v + 1}", "created": format_datetime(first + dt.timedelta(days=40 * v), usegmt=True)}
        for v in range(n_versions)
    ]
    authors = [
        pool[min(int(rng.paretovariate(1.2)) - 1, len(pool) - 1) if rng.random() < 0.3 else rng.randrange(len(pool))]
        for _ in range(rng.choices(range(1, 13), weights=[8, 14, 16, 14, 12, 10, 8, 6, 4, 3, 3, 2])[0])
    ]
    cats = [rng.choice(LLM)] if rng.random() < llm_share else [rng.choice(OTHER)]
    cats += rng.sample(LLM + OTHER, rng.choice([0, 1, 1, 2]))
    words = lambda n: " ".join(rng.choice(WORDS) for _ in range(n))  # noqa: E731
    abstract = "  " + "\n".join(words(12) for _ in range(rng.randint(6, 14))) + "\n"
    return {
        "id": pid,
        "submitter": " ".join(reversed(authors[0][:2])),
        "authors": ", ".join(f"{f} {last}" for last, f in authors),
        "title": words(rng.randint(6, 14)).capitalize(),
        "comments": f"{rng.randint(5, 60)} pages, {rng.randint(1, 12)} figures" if rng.random() < 0.6 else None,
        "journal-ref": f"Proc. Conf. {2015 + rng.randrange(11)}" if rng.random() < 0.2 else None,
        "doi": f"10.{rng.randint(1000, 9999)}/bench.{i}" if rng.random() < 0.3 else None,
        "report-no": None,
        "categories": " ".join(dict.fromkeys(cats)),
        "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
        "abstract": abstract,
        "versions": versions,
        "update_date": (first + dt.timedelta(days=40 * (n_versions - 1))).date().isoformat(),
        "authors_parsed": [[last, f, ""] for last, f in authors],
    }


def generate(path: Path, n: int, seed: int = 7, llm_share: float = 0.8) -> None:
    """Write ``n`` records, one JSON object a line, streamed (never held in memory)."""
    rng = random.Random(seed)
    pool = author_pool(rng, max(n // 2, 50))
    per_month: dict[str, int] = {}
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(record(i, n, rng, pool, per_month, llm_share), ensure_ascii=False) + "\n")


# --- one load, in a subprocess -----------------------------------------------------------------


def worker(backend: str, file: str, batch_size: int, tmp: str, workers: int | None, commit_rows: int | None) -> None:
    import logging

    from bench.backends import worker_store
    from loaders.arxiv_snapshot import load_snapshot

    # the embedded store's group commits, with their timings, on stderr (printed by measure)
    logging.basicConfig(level=logging.INFO, format="# %(relativeCreated)8.0f ms %(message)s")
    store, server = worker_store(backend, tmp)
    papers = 0

    def tick(p) -> None:
        nonlocal papers
        papers = p.papers

    start = time.perf_counter()
    report = load_snapshot(
        store, file, batch_size=batch_size, progress=tick, resume=False, workers=workers, commit_rows=commit_rows
    )
    seconds = time.perf_counter() - start
    counts = store.counts()
    if backend == "neo4j" and not os.environ.get("LINEAGE_BENCH_OWN_SERVER"):
        store.clear()  # a server someone else runs; ours is thrown away (deleting 5M edges took minutes)
    store.close()
    if server is not None:
        server.stop()
    rows = report.nodes_added + report.nodes_updated + report.edges_added + report.edges_updated
    print(
        json.dumps(
            {
                "seconds": seconds,
                "papers": papers,
                "rows": rows,
                "failures": len(report.failures),
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                # the largest child process (ru_maxrss of children is the largest one, not a sum):
                # a parsing process, or with --neo4j-import also the server and the import tool
                "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "counts": counts,
            }
        )
    )


def measure(backend: str, file: Path, args: argparse.Namespace, env: dict[str, str]) -> dict:
    extra = [] if args.workers is None else ["--workers", str(args.workers)]
    extra += [] if args.commit_rows is None else ["--commit-rows", str(args.commit_rows)]
    with tempfile.TemporaryDirectory(prefix="lineage-bench-", dir=args.tmp_dir) as tmp:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                backend,
                str(file),
                "--batch-size",
                str(args.batch_size),
                "--tmp",
                tmp,
                *extra,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode:
        raise SystemExit(f"{backend} worker failed:\n{out.stderr}")
    print("".join(line + "\n" for line in out.stderr.splitlines() if line.startswith("#")), end="")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10_000])
    # the loader's default (what `lineage load snapshot` uses); runs before session 8 used 5,000
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="records per batch (the loader's default)")
    parser.add_argument("--neo4j", action="store_true", help="also Neo4j (NEO4J_URI, or start the project's server)")
    parser.add_argument("--neo4j-only", action="store_true", help="skip the embedded store")
    parser.add_argument(
        "--neo4j-import",
        action="store_true",
        help="also Neo4j by neo4j-admin import into an empty server of its own (graph/neo4j_import.py)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--llm-share",
        type=float,
        default=0.8,
        help="fraction of records in LLM categories (kept by the default filter)",
    )
    parser.add_argument("--workers", type=int, help="parsing processes (default: the loader's choice)")
    parser.add_argument("--commit-rows", type=int, help="embedded store: staged rows per commit (default: the store's)")
    parser.add_argument("--file", type=Path, help="load this snapshot file instead of generating one")
    parser.add_argument("--tmp-dir", help="where the stores go (default: the system's temp dir)")
    parser.add_argument("--worker", nargs=2, metavar=("BACKEND", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.batch_size, args.tmp, args.workers, args.commit_rows)
        return

    from bench.backends import use_bench_memory

    env = dict(os.environ)
    server = None
    backends = [] if args.neo4j_only else ["ladybug"]
    if args.neo4j_import:
        use_bench_memory(env)
        backends.append("neo4j-import")
    if args.neo4j or (args.neo4j_only and not args.neo4j_import) or env.get("NEO4J_URI"):
        backends.append("neo4j")
        if not env.get("NEO4J_URI"):
            from lineage.neo4j_server import Neo4jServer

            use_bench_memory(os.environ)
            server = Neo4jServer.start(password="bench-pass")
            env.update(NEO4J_URI=server.uri, NEO4J_USERNAME=server.user, NEO4J_PASSWORD=server.password)
            env["LINEAGE_BENCH_OWN_SERVER"] = "1"
    try:
        print(
            f"{'records':>9} {'backend':>8} {'papers':>8} {'seconds':>8} {'papers/s':>9} {'rows/s':>9} "
            f"{'peak RSS':>9} {'vs embedded':>11}"
        )
        for n in args.records:
            with tempfile.TemporaryDirectory(prefix="lineage-snap-") as tmp:
                file = args.file or Path(tmp) / "arxiv-metadata-oai-snapshot.json"
                t0 = time.perf_counter()
                if not args.file:
                    generate(file, n, args.seed, args.llm_share)
                mb = file.stat().st_size / 2**20
                print(
                    f"# {n:,} records: {mb:,.0f} MB ({mb * 2**20 / n:,.0f} B/line) in {time.perf_counter() - t0:.1f}s"
                )
                base = None
                for backend in backends:
                    r = measure(backend, file, args, env)
                    rate = r["papers"] / r["seconds"]
                    base = base or rate
                    print(
                        f"{n:>9,} {backend:>8} {r['papers']:>8,} {r['seconds']:>8.1f} {rate:>9,.0f} "
                        f"{r['rows'] / r['seconds']:>9,.0f} {r['rss_mb']:>7,.0f}MB {rate / base:>10.2f}x "
                        f"(largest {'child' if backend == 'neo4j-import' else 'parsing'} process {r['worker_rss_mb']:,.0f}MB; "
                        f"{r['failures']} failures)",
                        flush=True,
                    )
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
