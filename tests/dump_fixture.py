"""A card dump in the layout of ``librarian-bots/model_cards_with_metadata``, built from real cards.

This is **not** a recorded dump: no copy of the dataset is in ``shared/data``. The rows are
constructed here from real recorded cards, in the dump's columns (``modelId``, ``author``,
``last_modified``, ``downloads``, ``likes``, ``library_name``, ``tags``, ``pipeline_tag``,
``createdAt``, ``card``; the types the dataset viewer shows, see :mod:`loaders.hf_dump`):

* ``shared/data/hf_tree/*.json`` (a real crawl of the Hub's tree under ``meta-llama/Llama-2-7b``):
  each repo's card, and its metadata columns from the crawl's own record of the repo
  (``ModelInfo``: ``created_at``, ``downloads``, ``likes``, ``tags``…), values as recorded;
* ``shared/data/hf_cards/*.md`` (real READMEs; the manifest gives each one's repo id): the card
  only. Those files carry no Hub metadata, so their metadata columns are null (never invented).

A repo present in both keeps the crawl's row. The bench (bench/hf_dump.py) cycles these rows
under new ids.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
TREE = next(iter(sorted((DATA / "hf_tree").glob("*.json"))), None)

SCHEMA = pa.schema(
    [
        ("modelId", pa.string()),
        ("author", pa.string()),
        ("last_modified", pa.timestamp("us", tz="UTC")),
        ("downloads", pa.int64()),
        ("likes", pa.int64()),
        ("library_name", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("pipeline_tag", pa.string()),
        ("createdAt", pa.timestamp("us", tz="UTC")),
        ("card", pa.string()),
    ]
)


def _when(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def tree_rows() -> Iterator[dict[str, Any]]:
    """One row per repo of the recorded crawl, from its card and its recorded ModelInfo."""
    if TREE is None:
        return
    for rec in json.loads(TREE.read_text(encoding="utf-8"))["models"]:
        meta = rec.get("metadata")
        info = json.loads(meta) if isinstance(meta, str) and meta.startswith("{") else {}  # 3 rows: "N/A"
        repo = str(rec["model_id"]).removeprefix("https://huggingface.co/")
        card = rec.get("card")
        yield {
            "modelId": repo,
            "author": info.get("author"),
            "last_modified": _when(info.get("last_modified")),
            "downloads": info.get("downloads"),
            "likes": info.get("likes"),
            "library_name": info.get("library_name"),
            "tags": info.get("tags"),
            "pipeline_tag": info.get("pipeline_tag"),
            "createdAt": _when(info.get("created_at")),
            "card": "" if card in (None, "N/A") else card,
        }


def card_rows() -> Iterator[dict[str, Any]]:
    """One row per card file listed in the manifest: the card, no metadata."""
    with open(DATA / "hf_cards.manifest.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            text = (DATA / "hf_cards" / row["file"]).read_text(encoding="utf-8-sig")
            yield {col: None for col in SCHEMA.names} | {"modelId": row["hf_repo_id"], "card": text}


def real_rows() -> list[dict[str, Any]]:
    """Every real repo once: the crawl's rows, then the card files' (sorted by repo id)."""
    rows: dict[str, dict[str, Any]] = {}
    for row in [*tree_rows(), *sorted(card_rows(), key=lambda r: r["modelId"])]:
        rows.setdefault(row["modelId"].lower(), row)
    return list(rows.values())


def write_dump(path: Path, rows: list[dict[str, Any]], *, row_group_size: int = 40, drop: tuple[str, ...] = ()) -> Path:
    """The rows as a Parquet file in the dump's layout (``drop``: columns left out)."""
    schema = pa.schema([f for f in SCHEMA if f.name not in drop])
    table = pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def corrupt_row_group(path: Path, group: int) -> None:
    """Overwrite the data pages of one row group's ``card`` column with garbage, in place."""
    meta = pq.ParquetFile(path).metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    chunk = meta.row_group(group).column(names.index("card"))
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    with open(path, "r+b") as fh:
        fh.seek(start)
        fh.write(b"\xff" * min(chunk.total_compressed_size, 4096))
