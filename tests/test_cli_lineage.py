"""The resolver, cite and explain as users run them: a real ``lineage`` process on the embedded
store, with the curated lineage and the real cards of ../shared/data/hf_cards loaded."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CARDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "hf_cards"


def lineage(*args: str, db: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"LINEAGE_DB": str(db), "COLUMNS": "200"})
    return subprocess.run(
        [sys.executable, "-m", "lineage", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CARDS.exists():
        pytest.skip("../shared/data is not next to this checkout")
    path = tmp_path_factory.mktemp("cli-lineage") / "db.lbug"
    for args in (("load", "curated"), ("load", "hf-cards", str(CARDS))):
        proc = lineage(*args, db=path)
        assert proc.returncode == 0, proc.stderr
    return path


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_ancestors_of_a_repo_id_and_a_name(db: Path) -> None:
    for typed in ("HuggingFaceH4/zephyr-7b-beta", "huggingfaceh4/ZEPHYR-7B-BETA", "Zephyr 7B"):
        out = ok(lineage("query", "ancestors", f"id={typed}", "--format", "csv", db=db))
        assert "model:mistral-7b" in out and "method:dpo" in out


def test_llama_2_family_with_the_cards(db: Path) -> None:
    out = ok(lineage("query", "model-family", "id=model:llama-2", "--format", "csv", db=db))
    ids = [line.split(",")[0] for line in out.splitlines()[1:]]
    for member in (
        "model:hf.thebloke.llama-2-7b-gguf",
        "model:hf.thebloke.llama-2-7b-chat-gguf",
        "model:hf.allenai.tulu-2-dpo-70b",
        "model:hf.motherduckdb.duckdb-nsql-7b-v0.1",
        "model:orca-2",
    ):
        assert member in ids
    assert len([line for line in out.splitlines() if "orca" in line.lower()]) == 1, out


def test_ambiguous_name_is_one_line_listing_candidates(db: Path) -> None:
    proc = lineage("query", "ancestors", "id=llama-2-7b-chat-hf", db=db)
    assert proc.returncode == 1 and proc.stdout == ""
    line = proc.stderr.strip()
    assert "\n" not in line and "ambiguous" in line
    assert "model:hf.daryl149.llama-2-7b-chat-hf" in line and "model:hf.nousresearch.llama-2-7b-chat-hf" in line


def test_export_bibtex_of_zephyrs_ancestors(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "zephyr.bib"
    ok(lineage("export", "ancestors", "id=model:zephyr-7b", "--format", "bibtex", "-o", str(target), db=db))
    text = target.read_text(encoding="utf-8")
    for eprint in ("2310.06825", "2305.18290", "1706.03762"):
        assert f"eprint = {{{eprint}}}" in text
    assert text.count("archivePrefix = {arXiv}") == text.count("eprint = {")


def test_cite_prints_the_bibtex_of_a_lineage(db: Path) -> None:
    out = ok(lineage("cite", "zephyr", db=db))
    assert out.startswith("@misc{")
    eprints = set(re.findall(r"eprint = \{([^}]*)\}", out))
    assert {"2310.16944", "2310.06825", "2305.18290", "1706.03762"} <= eprints
    missing = lineage("cite", "zephyrr", db=db)
    assert missing.returncode == 1 and "did you mean model:zephyr-7b" in missing.stderr


def test_explain_prints_hops_with_kinds_and_evidence(db: Path) -> None:
    out = ok(lineage("explain", "zephyr", "arxiv:1706.03762", db=db))
    assert "Zephyr 7B (model:zephyr-7b) —fine_tuned_from→ Mistral 7B (model:mistral-7b)" in out
    assert "—uses_method→ Transformer (method:transformer)" in out
    assert "—introduced_by→ Attention Is All You Need (arxiv:1706.03762)" in out
    assert "seed article 002_51205c54dabe67d1.txt" in out
    assert "model card HuggingFaceH4/zephyr-7b" in out  # the card's base_model statement, too
