"""Neo4j start-up benchmark: how long the project's own server takes to accept Bolt, with and
without the class-data archive and the C1-only JIT the test suite uses, side by side in one run.

    python bench/neo4j_start.py [--repeat 3]

Each start is a fresh JVM on a throwaway data directory, stopped at once; the configurations
run in turns so that machine load hits them alike. Printed: the median wall seconds to READY,
the median CPU seconds of the whole start and stop (JIT threads included), and each as a ratio
to the plain start. The archive is recorded first if this build has none.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cli import cpu_of_children
from lineage import neo4j_server as ns

CONFIGS = {  # name: (use the class-data archive, extra JVM options)
    "plain": (False, ""),
    "C1 only": (False, "-XX:TieredStopAtLevel=1"),
    "archive": (True, ""),
    "archive + C1 (tests)": (True, "-XX:TieredStopAtLevel=1"),
}


def one_start(archive: bool, jvm_opts: str) -> tuple[float, float]:
    """Wall seconds to READY and CPU seconds of the start and stop."""
    os.environ[ns.JVM_OPTS_ENV] = jvm_opts
    recorded = ns._class_data_opts
    if not archive:
        ns._class_data_opts = lambda *_: []  # type: ignore[assignment]
    try:
        cpu, started = cpu_of_children(), time.perf_counter()
        server = ns.Neo4jServer.start(password="bench-pass")
        ready = time.perf_counter() - started
        server.stop()
        return ready, cpu_of_children() - cpu
    finally:
        ns._class_data_opts = recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    java = ns._java()
    if java is None or ns.java_available():
        raise SystemExit(f"cannot start Neo4j here: {ns.java_available()}")
    ns._class_data_opts(java, ns.build(), 300)  # record the archive now, not inside a timed start
    print(f"archive: {ns._class_archive(java, ns.JAR)}")
    walls: dict[str, list[float]] = {name: [] for name in CONFIGS}
    cpus: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for _ in range(args.repeat):
        for name, (archive, opts) in CONFIGS.items():
            wall, cpu = one_start(archive, opts)
            walls[name].append(wall)
            cpus[name].append(cpu)
    base_wall, base_cpu = statistics.median(walls["plain"]), statistics.median(cpus["plain"])
    print(f"{'configuration':24} {'to READY s':>10} {'ratio':>6} {'CPU s':>7} {'ratio':>6}")
    for name in CONFIGS:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:24} {wall:10.1f} {wall / base_wall:6.2f} {cpu:7.1f} {cpu / base_cpu:6.2f}")
    print(f"load average: {os.getloadavg()[0]:.2f}, {args.repeat} runs each")


if __name__ == "__main__":
    main()
