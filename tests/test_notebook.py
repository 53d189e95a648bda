"""examples/lineage.ipynb runs headlessly in a real Jupyter kernel (nbclient) and shows Zephyr's lineage.

The kernel gets the embedded backend with a throwaway store through the environment (``LINEAGE_DB``),
exactly as a user's notebook would; the outputs are checked by the cells' tags.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "lineage.ipynb"
#: Zephyr-7B's ancestors two builds-on hops back in the curated lineage (Mistral-7B fine-tuned with DPO).
ZEPHYR_DEPTH_2 = {
    "model:mistral-7b",
    "method:dpo",
    "method:grouped-query-attention",
    "method:sliding-window-attention",
    "method:transformer",
    "method:sft",
    "method:preference-alignment",
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """The executed notebook's outputs by cell tag."""
    work = tmp_path_factory.mktemp("notebook")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as env:
        env.delenv("NEO4J_URI", raising=False)
        env.setenv("LINEAGE_DB", str(work / "store.lbug"))
        env.setenv("IPYTHONDIR", str(work / "ipython"))  # leave the user's IPython profile alone
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    return {tag: cell.outputs for cell in nb.cells if cell.cell_type == "code" for tag in cell.metadata.get("tags", [])}


def _data(outputs: list[dict[str, Any]], mime: str) -> str:
    found = [o["data"][mime] for o in outputs if mime in o.get("data", {})]
    assert found, f"no {mime} output"
    return found[0]


def test_the_committed_notebook_has_no_outputs() -> None:
    """Outputs are made by running it (inline pages are ~0.5 MB each); the repo keeps the source."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_zephyrs_lineage_shows_inline_with_mistral(outputs: dict[str, list[dict[str, Any]]]) -> None:
    html = _data(outputs["zephyr"], "text/html")
    table, _, rest = html.partition("<iframe")
    rows = re.findall(r"<tr><td[^>]*>([^<]*)</td>", table)
    assert set(rows) == ZEPHYR_DEPTH_2 and len(rows) == len(ZEPHYR_DEPTH_2)
    page = unescape(re.search(r'srcdoc="([^"]*)"', rest)[1])
    assert page.startswith("<!DOCTYPE html>") and 'id="lineage-network"' in page
    assert "Mistral 7B" in page and "Direct Preference Optimization" in page
    assert "<script src" not in page  # vis-network is inlined: the page works offline


def test_dataframe_and_networkx_answers(outputs: dict[str, list[dict[str, Any]]]) -> None:
    frame = _data(outputs["pandas"], "text/plain").splitlines()
    assert len(frame) == 3  # header + Zephyr's two parents
    assert any("model:mistral-7b" in line and "fine_tuned_from" in line for line in frame)
    assert any("method:dpo" in line and "uses_method" in line for line in frame)
    assert _data(outputs["networkx"], "text/plain") == "'Zephyr 7B → Mistral 7B → Transformer'"


def test_two_results_on_one_page_share_no_ids(outputs: dict[str, list[dict[str, Any]]]) -> None:
    ids = [set(re.findall(r'\bid="([^"]+)"', _data(outputs[tag], "text/html"))) for tag in ("zephyr", "dpo")]
    assert ids[0] and ids[1] and not ids[0] & ids[1]


def test_pyvis_show_writes_its_page(outputs: dict[str, list[dict[str, Any]]]) -> None:
    assert 'src="zephyr-pyvis.html"' in _data(outputs["pyvis"], "text/html")
