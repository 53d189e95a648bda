"""Issue 25: the rough edges a first day with the README hits, and a CLI that starts at once.

Each test is what a new user would see: a real ``lineage`` process (or the HTTP API) over a
real store of each backend, its output, its exit code, the files it writes.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.schema import Edge, EdgeType, Paper, Provenance, Source
from graph.store import GraphStore, upsert

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
#: What no CLI module may import at start-up (common.md; each belongs inside a command).
HEAVY = ("networkx", "pydantic", "neo4j", "ladybug", "pyarrow", "huggingface_hub", "graph.schema", "graph.store")

Cli = Callable[..., subprocess.CompletedProcess]


def _run(args: tuple[str, ...], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    full.update({"COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-m", "lineage", *args], capture_output=True, text=True, env=full, cwd=cwd, timeout=300
    )


def _env_of(store: GraphStore, request: pytest.FixtureRequest) -> dict[str, str]:
    """How a ``lineage`` process reaches ``store``; the embedded one is closed first (one writer)."""
    if store.backend == "ladybug":
        store.close()
        return {"LINEAGE_DB": store.location}
    conn = request.getfixturevalue("neo4j_server")
    return {"NEO4J_URI": conn["uri"], "NEO4J_USERNAME": conn["user"] or "neo4j", "NEO4J_PASSWORD": conn["password"]}


@pytest.fixture
def cli_on(request: pytest.FixtureRequest) -> Callable[[GraphStore], Cli]:
    """``cli_on(store)(*args)``: run ``lineage`` against what the test wrote into ``store``."""

    def bind(store: GraphStore) -> Cli:
        env = _env_of(store, request)
        return lambda *args, cwd=None: _run(args, env, cwd)

    return bind


@pytest.fixture
def curated_cli(store: GraphStore, cli_on: Callable[[GraphStore], Cli]) -> Cli:
    """``lineage`` over the curated lineage, on each backend."""
    from loaders.curated import load_curated

    load_curated(store)
    return cli_on(store)


# --- start-up ------------------------------------------------------------------------------


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importing_the_cli_loads_nothing_heavy() -> None:
    """`lineage --help` pays for what `import lineage.cli` imports: no database driver, no
    networkx, no pydantic schema. Every command module registered there is covered."""
    assert _heavy(_modules_after("import lineage.cli")) == []


@pytest.mark.parametrize("module", sorted(p.stem for p in (ROOT / "lineage").glob("cli*.py")))
def test_every_cli_module_imports_its_heavy_modules_inside_its_commands(module: str) -> None:
    """New ``lineage/cli_<topic>.py`` modules are checked as soon as they exist."""
    assert _heavy(_modules_after(f"import lineage.{module}")) == []


def test_help_runs_without_a_store_or_heavy_imports() -> None:
    code = (
        "import sys\nsys.argv = ['lineage', '--help']\nfrom lineage.cli import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    assert _heavy(_modules_after(code)) == []


def _modules_of_a_query(tmp_path: Path, argv: list[str], entry: str) -> set[str]:
    """The modules a fresh process has loaded after ``lineage <argv>`` through ``lineage.cli.<entry>``
    answered (exit 0) on an embedded store holding the curated lineage."""
    from graph.backends import open_store
    from loaders.curated import load_curated

    db = tmp_path / "db.lbug"
    with open_store("ladybug", path=db) as s:
        load_curated(s)
    code = (
        f"import os, sys\nos.environ['LINEAGE_DB'] = {str(db)!r}\nos.environ.pop('NEO4J_URI', None)\n"
        f"sys.argv = {['lineage', *argv]!r}\nfrom lineage.cli import {entry}\n"
        f"try:\n    {entry}()\nexcept SystemExit as e:\n    assert not e.code, e.code"
    )
    return _modules_after(code)


def test_a_saved_query_on_the_embedded_store_loads_no_server_driver_or_bulk_machinery(tmp_path: Path) -> None:
    modules = _modules_of_a_query(tmp_path, ["query", "ancestors", "id=model:zephyr-7b"], "app")
    assert "ladybug" in modules  # it did run on the embedded store
    assert [m for m in modules if m.split(".")[0] in ("neo4j", "pyarrow", "viz", "pyvis", "uvicorn", "fastapi")] == []


#: What a saved query's start-up goes without (issue 25): the pydantic records and parameter
#: models, and the pydantic adapters Typer converts options with (lineage/cli_lazy.py).
NOT_FOR_A_QUERY = ("pydantic", "pydantic_core", "annotated_types", "graph.schema", "typer._adapters", "networkx")


def test_a_saved_query_through_the_console_script_imports_no_pydantic(tmp_path: Path) -> None:
    """`lineage query` as installed (``lineage.cli:run``, the lazy group) answers without
    pydantic: valid parameters are checked plainly (queries/spec.py ``plain_values``), the store
    reads with graph/vocab.py, and Typer's pydantic conversion is left for values it changes."""
    argv = ["query", "ancestors", "id=model:zephyr-7b", "depth=4", "--format", "json"]
    modules = _modules_of_a_query(tmp_path, argv, "run")
    assert "ladybug" in modules and "queries.registry" in modules  # it did run the query
    assert sorted(m for m in modules if m.split(".")[0] in NOT_FOR_A_QUERY or m in NOT_FOR_A_QUERY) == []


def test_a_saved_query_through_the_console_script_answers_and_refuses_as_before(tmp_path: Path) -> None:
    """The plain conversions give the answer Typer's and pydantic's would, and every value they
    leave alone still gets its error from them (a bad depth, --timeout, an unknown --format)."""
    from graph.backends import open_store
    from loaders.curated import load_curated
    from queries.registry import run_query

    db = tmp_path / "db.lbug"
    typed = {"id": "Zephyr 7B", "depth": "2", "kinds": "uses_method,fine_tuned_from"}
    with open_store("ladybug", path=db) as s:
        load_curated(s)
        expected = run_query(s, "ancestors", {**typed, "depth": 2, "kinds": ["uses_method", "fine_tuned_from"]}).rows
    env = {"LINEAGE_DB": str(db)}
    out = _run(("query", "ancestors", *(f"{k}={v}" for k, v in typed.items()), "-f", "json"), env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == expected and {r["depth"] for r in expected} == {1, 2}
    deep = _run(("query", "ancestors", "id=model:zephyr-7b", "depth=99"), env)
    assert deep.returncode == 1 and "parameter 'depth'='99': Input should be less than or equal to 10" in deep.stderr
    quick = _run(("query", "ancestors", "id=model:zephyr-7b", "--timeout", "0.01"), env)
    assert quick.returncode == 2 and "--timeout" in quick.stderr
    timed = _run(("query", "ancestors", "id=model:zephyr-7b", "--timeout", "30", "-f", "csv"), env)
    assert timed.returncode == 0 and timed.stdout.startswith("id,name,label,depth,via,via_kind,via_source")


def test_lazy_help_lists_every_registered_command_and_runs_them() -> None:
    """The lazy group (lineage/cli_lazy.py) lists what Typer's full build has, in its order,
    and a command registered the Typer way runs through it."""
    from typer.main import get_command

    from lineage.cli import app
    from lineage.cli_lazy import lazy_command

    full, lazy = get_command(app), lazy_command(app)
    assert lazy.list_commands(None) == list(full.commands)  # type: ignore[attr-defined,arg-type]
    env = {"LINEAGE_HOME": "/nonexistent"}
    top = _run(("--help",), env)
    assert top.returncode == 0 and all(f" {name} " in top.stdout for name in full.commands)  # type: ignore[attr-defined]
    loads = _run(("load", "--help"), env).stdout
    assert all(f" {name} " in loads for name in ("curated", "arxiv", "snapshot", "citations", "hf-cards"))
    typo = _run(("quer",), env)
    assert typo.returncode == 2 and "Did you mean 'query'?" in typo.stderr


# --- export takes the format from the file name ---------------------------------------------


def test_export_without_format_writes_what_the_suffix_names(curated_cli: Cli, tmp_path: Path) -> None:
    import networkx as nx

    gexf = tmp_path / "zephyr.gexf"
    proc = curated_cli("export", "ancestors", "id=model:zephyr-7b", "-o", str(gexf))
    assert proc.returncode == 0, proc.stderr
    assert "model:zephyr-7b" in nx.read_gexf(gexf).nodes  # GEXF, not GraphML under a .gexf name
    bib = tmp_path / "refs.bib"
    assert curated_cli("export", "ancestors", "id=model:zephyr-7b", "-o", str(bib)).returncode == 0
    assert bib.read_text().lstrip().startswith("@")
    clash = curated_cli(
        "export", "ancestors", "id=model:zephyr-7b", "--format", "graphml", "-o", str(tmp_path / "x.gexf")
    )
    assert clash.returncode == 1 and "--format graphml" in clash.stderr and "x.gexf" in clash.stderr
    assert not (tmp_path / "x.gexf").exists()


def test_exported_files_get_the_users_normal_permissions(curated_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "zephyr.graphml"
    mask = os.umask(0o022)
    os.umask(mask)
    proc = curated_cli("export", "ancestors", "id=model:zephyr-7b", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask  # was 0600 (mkstemp's)


# --- an unknown parameter name ---------------------------------------------------------------


def test_unknown_parameter_name_says_which_was_meant(curated_cli: Cli) -> None:
    proc = curated_cli("query", "ancestors", "node=model:zephyr-7b")
    assert proc.returncode == 1
    assert "unknown parameter 'node'; did you mean 'id'?" in proc.stderr
    assert "missing" not in proc.stderr.lower()
    typo = curated_cli("query", "ancestors", "id=model:zephyr-7b", "dept=3")
    assert "unknown parameter 'dept'; did you mean 'depth'?" in typo.stderr


def test_api_names_the_unknown_parameter_the_same_way(curated_store: GraphStore) -> None:
    from fastapi.testclient import TestClient

    from lineage.api import create_app

    with TestClient(create_app(store=curated_store), base_url="http://localhost") as client:
        got = client.get("/queries/ancestors", params={"node": "model:zephyr-7b"})
    assert got.status_code == 400
    body = got.json()
    assert body["parameter"] == "node" and "did you mean 'id'?" in body["error"]


# --- co-citation: long via lists, and an empty answer explained -------------------------------

TARGET, OTHER, HUB = "arxiv:2001.00001", "arxiv:2001.00002", "arxiv:hep-th/9201001"


def _paper(pid: str, title: str, source: Source, categories: list[str] | None = None) -> Paper:
    return Paper(id=pid, title=title, sources=[source], categories=categories or [])


def _cites(a: str, b: str, source: Source) -> Edge:
    return Edge(type=EdgeType.CITES, source=a, target=b, provenance=[Provenance(source=source)])


def _citation_graph(store: GraphStore) -> None:
    """TARGET and OTHER (cs.CL, from arXiv) cited together by 5 papers; HUB, a hep-th paper
    known only from an edge list (its name is its id), cited by 8 other such papers."""
    records: list = [
        _paper(TARGET, "A Target Paper", Source.arxiv, ["cs.CL"]),
        _paper(OTHER, "Another Paper", Source.arxiv, ["cs.LG"]),
    ]
    for i in range(5):
        citer = f"arxiv:2002.0000{i}"
        records += [_paper(citer, f"Citer {i}", Source.arxiv, ["cs.CL"])]
        records += [_cites(citer, TARGET, Source.arxiv), _cites(citer, OTHER, Source.arxiv)]
    records.append(_paper(HUB, HUB, Source.edge_list))
    for i in range(8):
        citer = f"arxiv:hep-th/930100{i}"
        records += [_paper(citer, citer, Source.edge_list), _cites(citer, HUB, Source.edge_list)]
    upsert(store, records)


def test_tables_show_a_count_and_the_first_few_co_citers_json_keeps_all(
    store: GraphStore, cli_on: Callable[[GraphStore], Cli]
) -> None:
    _citation_graph(store)
    cli = cli_on(store)
    table = cli("query", "co-citation", f"id={TARGET}")
    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if OTHER in line)
    assert "5: arxiv:2002.00000, arxiv:2002.00001, arxiv:2002.00002, …" in row
    assert "arxiv:2002.00004" not in table.stdout
    rows = json.loads(cli("query", "co-citation", f"id={TARGET}", "--format", "json").stdout)
    assert rows[0]["id"] == OTHER and len(rows[0]["via"]) == 5


def test_an_empty_co_citation_says_the_graph_lacks_the_citations(curated_cli: Cli) -> None:
    proc = curated_cli("query", "co-citation", "id=arxiv:1706.03762", "limit=5")
    assert proc.returncode == 0, proc.stderr
    assert "no results" in proc.stdout
    assert "the graph holds no papers citing arxiv:1706.03762" in proc.stderr
    assert "lineage load citations" in proc.stderr
    as_json = curated_cli("query", "co-citation", "id=arxiv:1706.03762", "--format", "json")
    assert json.loads(as_json.stdout) == []  # the explanation stays off stdout


# --- top-influential and pagerank: filters, and a name in every row ---------------------------


@pytest.mark.parametrize("query", ["top-influential", "pagerank"])
def test_rankings_filter_by_category_and_source(
    store: GraphStore, cli_on: Callable[[GraphStore], Cli], query: str
) -> None:
    _citation_graph(store)
    cli = cli_on(store)

    def ranked(*params: str) -> list[dict]:
        proc = cli("query", query, "label=Paper", "limit=3", *params, "--format", "json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    assert ranked()[0]["id"] == HUB  # swamped by the edge list's hep-th papers
    for params in (("category=cs.CL",), ("category=cs",), ("source=arxiv",)):
        rows = ranked(*params)
        assert rows and not [r for r in rows if "hep-th" in r["id"]], params
        assert all(r["name"] and r["name"] != r["id"] for r in rows), params
    best = ranked("category=cs.CL")[0]
    assert best["id"] == TARGET and best["name"] == "A Target Paper"
    assert ranked("category=math") == []


# --- load commands: quiet internals, exit codes -------------------------------------------------


def test_bulk_load_internals_print_only_with_verbose(tmp_path: Path) -> None:
    sample = FIXTURES / "arxiv_snapshot" / "sample.jsonl"
    env = {"LINEAGE_DB": str(tmp_path / "db.lbug")}
    quiet = _run(("load", "snapshot", str(sample), "--categories", "all", "--workers", "0"), env)
    assert quiet.returncode == 0, quiet.stderr
    assert "committed" not in quiet.stdout + quiet.stderr and "COPY" not in quiet.stdout + quiet.stderr
    env = {"LINEAGE_DB": str(tmp_path / "db2.lbug")}
    loud = _run(("load", "snapshot", str(sample), "--categories", "all", "--workers", "0", "--verbose"), env)
    assert loud.returncode == 0, loud.stderr
    assert re.search(r"committed [\d,]+ staged rows: COPY", loud.stderr)


def test_replaying_the_recorded_arxiv_set_is_a_partial_load_with_its_failures_named(tmp_path: Path) -> None:
    env = {"LINEAGE_DB": str(tmp_path / "db.lbug")}
    proc = _run(("load", "arxiv", "--from-file", str(FIXTURES / "arxiv_api")), env)
    assert proc.returncode == 3, proc.stderr  # was 1, as if nothing had loaded
    assert "3 failure(s), the rest loaded (exit 3):" in proc.stderr
    assert "arxiv:0808.05394: not found on arXiv" in proc.stderr
    assert "id_list=abc: arXiv error (HTTP 400): incorrect id format for abc" in proc.stderr
    assert "nodes 499 added" in " ".join(proc.stdout.split())
    nothing = _run(
        ("load", "arxiv", "--from-file", str(FIXTURES / "arxiv_api" / "id_abc_s0_m100_b79c8dcf6bc3.json")), env
    )
    assert nothing.returncode == 1 and "nothing loaded (exit 1)" in nothing.stderr
    helped = " ".join(_run(("load", "--help"), env).stdout.split())
    assert "0 everything loaded; 3 some records failed" in helped and "1 nothing loaded" in helped


def test_readme_documents_the_load_exit_codes() -> None:
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "exit status" in readme.lower() and "3" in readme and "partial" in readme.lower()


# --- a non-editable install finds the Neo4j launcher ------------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The project built as a wheel and installed (not editable) into a directory of its own."""
    import shutil

    tmp = tmp_path_factory.mktemp("wheel")
    # from a copy: an in-tree build would leave build/ and *.egg-info in the checkout
    source = tmp / "source"
    junk = shutil.ignore_patterns(".*", "build", "target", "__pycache__", "*.egg-info", "*.lbug*", "*.html")
    shutil.copytree(ROOT, source, ignore=junk)
    pip = [sys.executable, "-m", "pip"]
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(tmp), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr  # needs the dev extra's setuptools (bdist_wheel)
    wheel = next(tmp.glob("llm_lineage-*.whl"))
    target = tmp / "site"
    inst = subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert inst.returncode == 0, inst.stderr
    yield wheel


def test_the_wheel_ships_the_neo4j_launcher_sources(installed: Path) -> None:
    names = zipfile.ZipFile(installed).namelist()
    assert "lineage/neo4j_launcher/pom.xml" in names
    assert "lineage/neo4j_launcher/src/main/java/lineage/Neo4jLauncher.java" in names
    assert not [n for n in names if "/target/" in n]


def test_installed_package_finds_its_launcher_sources(installed: Path, tmp_path: Path) -> None:
    """What `lineage neo4j start` checks before building: the sources next to the installed package."""
    site = installed.parent / "site"
    code = (
        "import lineage.neo4j_server as s\n"
        "print(s.__file__)\nprint(s.POM.is_file(), all(p.is_file() for p in s._sources()), len(s._sources()))\n"
        "print(s.java_available() or 'ok')"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    where, found, reason = out.stdout.splitlines()
    assert where.startswith(str(site))  # the installed copy, not this checkout
    assert found == "True True 2"
    assert "launcher sources missing" not in reason
