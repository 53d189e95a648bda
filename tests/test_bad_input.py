"""Bad input (issue 21): one line naming the input and where it is wrong, never a traceback.

A bad curated file writes nothing; a bad snapshot record or model card is reported and skipped
while the rest loads. YAML aliases are refused before they can expand, and error lines cut long
values. The inputs are hand-written examples in tests/fixtures/bad_input (see its README).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from graph.backends import open_store
from graph.errors import DataFileError
from loaders.arxiv_snapshot import load_snapshot
from loaders.curated import load_curated, read_curated
from loaders.hf_cards import CardError, find_cards, hf_model_id, load_hf_cards, read_card

BAD = Path(__file__).parent / "fixtures" / "bad_input"
CURATED, CARDS = BAD / "curated", BAD / "cards"
SAMPLE = Path(__file__).parent / "fixtures" / "arxiv_snapshot" / "sample.jsonl"
DAY = dt.date(2024, 6, 1)
MAX_LINE = 400  # an error line: the path, the place, the message and a value cut to ~200 chars

#: file → (line, what the message says)
CURATED_CASES = {
    "retrieved-not-a-date.yaml": (2, "retrieved: 'not-a-date' is not a date (write YYYY-MM-DD)"),
    "retrieved-a-number.yaml": (2, "retrieved: 12345 is not a date (write YYYY-MM-DD)"),
    "published-feb-30.yaml": (11, "'2023-02-30' is not a valid date: day is out of range for month"),
    "edge-with-provenance.yaml": (
        13,
        "edges[0]: 'provenance' is set by the loader (it is built from 'seed' and 'evidence'); remove it",
    ),
    "non-string-key.yaml": (8, "key 1 is read as int, not a string (quote it)"),
    "deep-nesting.yaml": (7, "nested deeper than 100 levels"),
    "binary.yaml": (1, "not UTF-8 text (byte 0x89 at offset 0): a YAML file is expected"),
    "billion-laughs.yaml": (4, "YAML alias *a is not allowed"),
}


def lineage(*args: str, db: Path) -> subprocess.CompletedProcess:
    """The CLI as users run it (embedded store at ``db``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"LINEAGE_DB": str(db), "COLUMNS": "200"})
    return subprocess.run(
        [sys.executable, "-m", "lineage", *args], capture_output=True, text=True, env=env, timeout=300
    )


def stored(db: Path) -> dict[str, int]:
    """Non-zero counts per label and relation in the embedded store at ``db`` ({} if none)."""
    if not db.exists():
        return {}
    store = open_store("ladybug", path=db)
    try:
        return {k: n for k, n in store.counts().items() if n}
    finally:
        store.close()


# --- curated ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CURATED_CASES))
def test_a_bad_curated_file_is_one_line_naming_file_and_line(name: str) -> None:
    line, message = CURATED_CASES[name]
    with pytest.raises(DataFileError) as exc:
        read_curated(CURATED / name)
    assert str(exc.value) == f"{CURATED / name}:{line}: {message}"


def test_a_bad_curated_file_writes_nothing(store, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text((CURATED / "retrieved-not-a-date.yaml").read_text().replace("not-a-date", "2024-06-01"))
    report = load_curated(store, good)
    assert (report.nodes_added, report.edges_added) == (3, 1)  # two models and a paper; one edge
    before = store.counts()
    for name in sorted(CURATED_CASES):
        with pytest.raises(DataFileError):
            load_curated(store, CURATED / name)
    assert store.counts() == before
    assert store.read("MATCH (n:Node) WHERE size(n.id) > 200 RETURN n.id AS id") == []


def test_aliases_are_refused_before_they_expand() -> None:
    """Seven levels of aliases stand for a 34 MB evidence string once expanded; reading the file
    must cost neither that memory nor that time."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(DataFileError, match="alias"):
            read_curated(CURATED / "billion-laughs.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20
    assert time.monotonic() - started < 2


def test_long_values_are_cut_in_curated_errors(tmp_path: Path) -> None:
    huge = "x y " * 250_000  # 1 MB, not a valid id
    text = f'version: 1\nmodels:\n  - id: "model:{huge}"\n    name: A\n'
    path = tmp_path / "huge.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        read_curated(path)
    message = str(exc.value)
    assert message.startswith(f"{path}:3: models[0] (model:x y x y") and "field 'id'" in message
    assert len(message) < MAX_LINE and "\n" not in message


@pytest.mark.parametrize("name", ["retrieved-a-number.yaml", "deep-nesting.yaml", "binary.yaml"])
def test_cli_curated_bad_file_is_one_line_and_exit_1(tmp_path: Path, name: str) -> None:
    db = tmp_path / "db.lbug"
    proc = lineage("load", "curated", str(CURATED / name), db=db)
    line, message = CURATED_CASES[name]
    assert proc.returncode == 1
    assert proc.stderr == f"error: {CURATED / name}:{line}: {message}\n"
    assert "Traceback" not in proc.stdout + proc.stderr
    assert stored(db) == {}


# --- Hugging Face cards ----------------------------------------------------------------------------


def card_failures() -> list[str]:
    return [
        f"{CARDS / '---.md'}: '---' is not a repo id (name a card owner__name.md or owner/name/README.md)",
        f"{CARDS / 'bad-input__deep-base.md'}:2: front matter: nested deeper than 100 levels",
        f"{CARDS / 'bad-input__laughs.md'}:3: front matter: YAML alias *a is not allowed",
        f"{CARDS / 'bad-input__relation-list.md'}: base_model_relation ['merge'] is not one of "
        "adapter, finetune, merge, quantized",
    ]


def test_bad_cards_are_reported_and_the_rest_loads(store) -> None:
    report = load_hf_cards(store, CARDS, retrieved=DAY)
    assert report.failures == card_failures()
    rows = store.read("MATCH (a:Node)-[e:BUILDS_ON]->(b:Node) RETURN a.id AS a, b.id AS b, e.kind AS kind")
    assert [(r["a"], r["b"], r["kind"]) for r in rows] == [
        ("model:hf.bad-input.child", "model:hf.bad-input.base", "fine_tuned_from")
    ]
    models = {r["id"] for r in store.read("MATCH (n:Node) WHERE n.label = 'Model' RETURN n.id AS id")}
    # a card whose fields are bad still gives its model; a file name with no repo id gives nothing
    assert models == {
        "model:hf.bad-input.base",
        "model:hf.bad-input.child",
        "model:hf.bad-input.relation-list",
        "model:hf.bad-input.deep-base",
        "model:hf.bad-input.laughs",
    }


def test_a_card_with_aliases_is_refused_cheaply() -> None:
    path = CARDS / "bad-input__laughs.md"
    assert path.stat().st_size < 300
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(CardError) as exc:
            read_card(path, "bad-input/laughs")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(exc.value) == f"{path}:3: front matter: YAML alias *a is not allowed"
    assert peak < 1 << 20 and time.monotonic() - started < 1


def test_a_repo_id_without_letters_is_no_model_id() -> None:
    for repo in ("---", "", "/", "._-"):
        with pytest.raises(ValueError, match="not a repo id"):
            hf_model_id(repo)
    with pytest.raises(CardError, match="is not a repo id"):
        read_card(CARDS / "---.md", "---")


def test_long_values_are_cut_in_card_failures(store, tmp_path: Path) -> None:
    d = tmp_path / "cards"
    d.mkdir()
    (d / "a__long.md").write_text("---\nbase_model_relation: " + "y" * 1_000_000 + "\nbase_model: a/b\n---\n")
    (d / "a__fine.md").write_text("---\nbase_model: a/b\n---\n")
    report = load_hf_cards(store, d, retrieved=DAY)
    assert len(report.failures) == 1 and report.failures[0].startswith(f"{d / 'a__long.md'}: base_model_relation 'yyy")
    assert len(report.failures[0]) < MAX_LINE
    assert store.counts()["BUILDS_ON"] == 1


def test_cli_bad_cards_are_one_line_each_and_the_rest_loads(tmp_path: Path) -> None:
    db = tmp_path / "db.lbug"
    proc = lineage("load", "hf-cards", str(CARDS), db=db)
    assert proc.returncode == 3  # a partial load
    assert proc.stderr.splitlines() == [
        "4 failure(s), the rest loaded (exit 3):",
        *(f"  {line}" for line in card_failures()),
    ]
    assert "nodes 5 added" in " ".join(proc.stdout.split())
    assert stored(db)["BUILDS_ON"] == 1


# --- arXiv snapshot --------------------------------------------------------------------------------

#: line in the spliced file → its failure (after FILE:LINE: )
SNAPSHOT_FAILURES = {
    3: "2401.90001: 'categories' must be a string, not int (12345)",
    6: "2401.90002: 'categories' must be a string, not list (['cs.CL'])",
    9: "2401.90003: 'versions[0].created' must be a string, not int (20240115)",
    12: "2401.90004: 'title' must be a string, not list (['a', 'list'])",
    15: "2401.90005: 'authors_parsed' must be a list, not str ('Example, Ann')",
    18: "2401.90006: 'update_date' must be a string, not int (20240115)",
}


@pytest.fixture
def spliced(tmp_path: Path) -> Path:
    """The first 20 recorded sample lines with a bad record after each of the first six pairs."""
    good = SAMPLE.read_bytes().splitlines(keepends=True)[:20]
    bad = (BAD / "snapshot" / "wrong-types.jsonl").read_bytes().splitlines(keepends=True)
    out = []
    for i, line in enumerate(good):
        out.append(line)
        if i % 2 == 1 and bad:
            out.append(bad.pop(0))
    path = tmp_path / "spliced.jsonl"
    path.write_bytes(b"".join(out))
    return path


def test_snapshot_records_of_the_wrong_type_are_skipped_and_the_rest_loads(store, spliced: Path) -> None:
    report = load_snapshot(store, spliced, categories=None, retrieved=DAY)
    assert report.failures == [f"{spliced}:{n}: {what}" for n, what in SNAPSHOT_FAILURES.items()]
    assert store.counts()["Paper"] == 20


def test_snapshot_wrong_categories_is_reported_under_a_category_filter(store, spliced: Path) -> None:
    """Before, a numeric ``categories`` was silently skipped as 'not in cs.CL'."""
    report = load_snapshot(store, spliced, categories=["cs.CL"], retrieved=DAY)
    assert report.failures[:2] == [f"{spliced}:{n}: {SNAPSHOT_FAILURES[n]}" for n in (3, 6)]
    assert report.failures == [f"{spliced}:{n}: {what}" for n, what in SNAPSHOT_FAILURES.items()]
    assert report.skip_reasons == {"not in cs.CL": 20}


def test_long_ids_are_cut_in_snapshot_failures(store, tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(SAMPLE.read_bytes().splitlines(keepends=True)[0] + b'{"id": "' + b"x" * 1_000_000 + b'"}\n')
    report = load_snapshot(store, path, categories=None, retrieved=DAY)
    assert len(report.failures) == 1 and report.failures[0].startswith(f"{path}:2: xxx")
    assert len(report.failures[0]) < MAX_LINE
    assert store.counts()["Paper"] == 1


def test_cli_snapshot_bad_records_are_one_line_each(tmp_path: Path, spliced: Path) -> None:
    db = tmp_path / "db.lbug"
    proc = lineage("load", "snapshot", str(spliced), "--categories", "all", db=db)
    assert proc.returncode == 3  # a partial load
    failures = [line.strip() for line in proc.stderr.splitlines() if line.startswith("  ")]
    assert failures == [f"{spliced}:{n}: {what}" for n, what in SNAPSHOT_FAILURES.items()]
    assert "6 failure(s), the rest loaded (exit 3):" in proc.stderr and "Traceback" not in proc.stderr
    assert stored(db)["Paper"] == 20


def test_a_deeply_nested_json_line_is_one_failure(store, tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    first = SAMPLE.read_bytes().splitlines(keepends=True)[0]
    path.write_bytes(first + b"[" * 100_000 + b"]" * 100_000 + b"\n" + first.replace(b"0704.0001", b"0704.0002"))
    report = load_snapshot(store, path, categories=None, retrieved=DAY)
    assert report.failures == [f"{path}:2: not JSON we read: nested too deeply"]
    assert store.counts()["Paper"] == 2


def test_a_manifest_that_is_not_text_is_one_line(tmp_path: Path) -> None:
    d = tmp_path / "cards"
    d.mkdir()
    (d / "a__x.md").write_text("---\nbase_model: a/y\n---\n")
    manifest = tmp_path / "cards.manifest.tsv"
    manifest.write_bytes(b"file\thf_repo_id\n\xff\xfe\ta/x\n")
    with pytest.raises(CardError) as exc:
        find_cards(d)
    assert str(exc.value) == f"{manifest}: not UTF-8 text (byte offset 16)"
