"""CLI start-up benchmark: `lineage --help` and a saved query on the curated embedded graph,
each as a ratio to bare Python (`python -c pass`) measured in the same run.

    python bench/cli.py [--repeat 15] [--compare OTHER_CHECKOUT] [--no-bytecode-cache]

Every command is a fresh process (what a user waits for), run in turns so that machine load
hits them alike; the figure is the median of ``--repeat`` runs. ``--compare`` also times another
checkout's code (``python -m lineage`` run from there), e.g. the main branch before a change. The targets (issue 25) are
0.3 s and 0.5 s on a machine where bare Python takes 0.08 s: ratios of 3.75 and 6.25.

Bytecode is cached as an installed package's is (under the temporary directory, so no checkout
gets ``__pycache__``), whatever ``PYTHONDONTWRITEBYTECODE`` says: with it set (as in some
sandboxes) every run compiled the project's modules again, which no user's ``lineage`` does.
``--no-bytecode-cache`` times that condition instead.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_PYTHON = 0.08  # the figure for `python -c pass`, which the targets were set against
TARGETS = {"help": 0.3, "query": 0.5}


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run; CPU time suffers less from a busy machine."""
    cpu, start = cpu_of_children(), time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=cwd)
    return time.perf_counter() - start, cpu_of_children() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="runs of each command (median reported)")
    parser.add_argument("--compare", type=Path, help="another checkout to time alongside (its python -m lineage)")
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="compile every module on every run (PYTHONDONTWRITEBYTECODE=1)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
        env.update(LINEAGE_DB=str(Path(tmp) / "db.lbug"), COLUMNS="120")
        if args.no_bytecode_cache:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        lineage = [sys.executable, "-m", "lineage"]
        subprocess.run([*lineage, "load", "curated"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        query = [*lineage, "query", "ancestors", "id=model:zephyr-7b", "depth=4"]
        commands: dict[str, tuple[list[str], Path]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], ROOT),
            "import lineage.cli": ([sys.executable, "-c", "import lineage.cli"], ROOT),
            "help": ([*lineage, "--help"], ROOT),
            "query": (query, ROOT),
        }
        if args.compare:
            commands["help (compared)"] = ([*lineage, "--help"], args.compare.resolve())
            commands["query (compared)"] = (query, args.compare.resolve())
        for cmd, cwd in commands.values():  # warm the page cache and the .pyc files
            timed(cmd, env, cwd)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, (cmd, cwd) in commands.items():
                times[name].append(timed(cmd, env, cwd))
    bare = statistics.median(w for w, _ in times["python -c pass"])
    bare_cpu = statistics.median(c for _, c in times["python -c pass"])
    print(f"{'command':<28} {'median s':>9} {'min s':>7} {'ratio':>6} {'cpu s':>6} {'cpu ratio':>9} {'target':>7}")
    for name, runs in times.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        target = f"{TARGETS[name] / BARE_PYTHON:.2f}" if name in TARGETS else ""
        label = name.replace("compared", str(args.compare))
        print(
            f"{label:<28} {wall:>9.3f} {min(w for w, _ in runs):>7.3f} {wall / bare:>6.2f} {cpu:>6.3f} "
            f"{cpu / bare_cpu:>9.2f} {target:>7}"
        )
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("bytecode: " + ("compiled on every run" if args.no_bytecode_cache else "cached (as installed)"))


if __name__ == "__main__":
    main()
