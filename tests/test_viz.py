"""The lineage page as HTML: offline, complete, encoded, escaped, laid out and capped."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.store import to_networkx
from viz import PageWriteError, render_html, write_page
from viz.style import LABEL_COLOURS

HOSTILE = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'


def _prov(source: str, evidence: str = "", confidence: float = 1.0, trust: int = 2) -> dict[str, Any]:
    return {
        "sources": [source],
        "evidence": [evidence],
        "confidence": [confidence],
        "retrieved": ["2024-11-01"],
        "trust": trust,
    }


def lineage() -> nx.MultiDiGraph:
    """A small lineage with every node type and relation, built the way the stores build it."""
    nodes = {
        "arxiv:2310.06825": {
            "label": "Paper",
            "name": "Mistral 7B",
            "title": "Mistral 7B",
            "date": "2023-10-10",
            "published": "2023-10-10",
            "citations": 1200,
            "authors": [
                "Albert Q. Jiang",
                "Alexandre Sablayrolles",
                "Arthur Mensch",
                "Chris Bamford",
                "Devendra Singh Chaplot",
                "Diego de las Casas",
            ],
        },
        "arxiv:2310.16944": {"label": "Paper", "name": f"Zephyr {HOSTILE}", "date": "2023-10-25", "citations": 400},
        "arxiv:2305.18290": {"label": "Paper", "name": "Direct Preference Optimization", "date": "2023-05-29"},
        "model:mistral-7b": {
            "label": "Model",
            "name": "Mistral 7B",
            "release_date": "2023-09-27",
            "date": "2023-09-27",
            "hf_id": "mistralai/Mistral-7B-v0.1",
            "organisation": "Mistral AI",
            "parameters": 7_240_000_000,
            "note": "sliding window attention",
        },
        "model:zephyr-7b": {"label": "Model", "name": "Zephyr 7B", "date": "2023-10-26"},
        "method:dpo": {"label": "Method", "name": "DPO"},
        "author:albert-q-jiang": {"label": "Author", "name": "Albert Q. Jiang"},
    }
    edges = [
        {
            "type": "BUILDS_ON",
            "source": "model:zephyr-7b",
            "target": "model:mistral-7b",
            "kind": "fine_tuned_from",
            "sources": ["curated", "hf_card"],
            "evidence": ["curated lineage", "base_model: mistralai/Mistral-7B-v0.1"],
            "confidence": [1.0, 0.95],
            "retrieved": ["2024-11-01", "2024-11-02"],
            "trust": 3,
        },
        {
            "type": "BUILDS_ON",
            "source": "model:zephyr-7b",
            "target": "method:dpo",
            "kind": "uses_method",
            **_prov("extracted", f"trained with DPO {HOSTILE}", 0.7, trust=1),
        },
        {"type": "INTRODUCES", "source": "arxiv:2310.06825", "target": "model:mistral-7b", **_prov("curated", trust=3)},
        {"type": "INTRODUCES", "source": "arxiv:2310.16944", "target": "model:zephyr-7b", **_prov("curated", trust=3)},
        {"type": "INTRODUCES", "source": "arxiv:2305.18290", "target": "method:dpo", **_prov("curated", trust=3)},
        {"type": "CITES", "source": "arxiv:2310.16944", "target": "arxiv:2310.06825", **_prov("semantic_scholar")},
        {"type": "CITES", "source": "arxiv:2310.16944", "target": "arxiv:2305.18290", **_prov("openalex")},
        {"type": "AUTHORED", "source": "author:albert-q-jiang", "target": "arxiv:2310.06825", **_prov("arxiv")},
        {"type": "MENTIONS", "source": "arxiv:2310.16944", "target": "method:dpo", **_prov("extracted", trust=1)},
    ]
    return to_networkx(nodes, edges)


def page_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="lineage-data">(.*?)</script>', html, re.S)
    assert match, "no embedded data"
    return json.loads(match.group(1))


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def test_page_is_self_contained() -> None:
    html = render_html(lineage()).html
    assert re.search(r"<script\b[^>]*\bsrc\s*=", html, re.I) is None
    assert re.search(r"<link\b", html, re.I) is None
    assert "@import" not in html
    assert re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.I) is None
    assert re.search(r"""\b(src|href)\s*=\s*["']?(https?:)?//""", html.split('id="lineage-data"')[0], re.I) is None
    assert "default-src 'none'" in html  # the CSP forbids any fetch even if something tried
    assert "cdn" not in html.lower().split("<script>")[0]  # head and body markup name no CDN
    assert html.count('<script type="application/json"') == 1
    assert "vis.Network" in html and "@version 9.1.2" in html  # vis is inlined, license header kept


def test_counts_match_graph() -> None:
    graph = lineage()
    result = render_html(graph)
    data = page_data(result.html)
    assert (result.nodes, result.edges) == (7, 9) == (len(data["nodes"]), len(data["edges"]))
    assert result.trimmed_from is None and result.warning is None
    assert {(e["from"], e["to"]) for e in data["edges"]} == {(u, v) for u, v in graph.edges()}
    assert "7 nodes · 9 edges" in result.html


def with_dataset(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The lineage plus what Zephyr 7B was trained on, as the stores return a Dataset node."""
    graph.add_node(
        "dataset:huggingfaceh4/ultrachat_200k",
        label="Dataset",
        name="HuggingFaceH4/ultrachat_200k",
        hf_id="HuggingFaceH4/ultrachat_200k",
    )
    evidence = "datasets: HuggingFaceH4/ultrachat_200k in HuggingFaceH4/zephyr-7b-beta/README.md"
    graph.add_edge(
        "model:zephyr-7b",
        "dataset:huggingfaceh4/ultrachat_200k",
        key="TRAINED_ON",
        type="TRAINED_ON",
        **_prov("hf_card", evidence),
    )
    return graph


def test_colour_and_shape_per_label() -> None:
    html = render_html(with_dataset(lineage())).html
    groups = page_data(html)["options"]["groups"]
    for label, colour in LABEL_COLOURS.items():
        assert groups[label]["color"]["background"] == colour
        assert (
            f'value="{label}" checked><span class="swatch swatch-{label.lower()}" style="background:{colour}"' in html
        )
    assert len({g["shape"] for g in groups.values()}) == 5


def test_datasets_are_drawn_with_their_edge_and_hub_link() -> None:
    html = render_html(with_dataset(lineage())).html
    data = page_data(html)
    dataset = by_id(data["nodes"])["dataset:huggingfaceh4/ultrachat_200k"]
    assert dataset["group"] == "Dataset"
    assert "https://huggingface.co/datasets/HuggingFaceH4/ultrachat_200k" in dataset["title"]
    trained = next(e for e in data["edges"] if e["type"] == "TRAINED_ON")
    assert trained["from"] == "model:zephyr-7b" and "README.md" in trained["title"]
    assert 'value="TRAINED_ON" checked>' in html and "trained on" in html
    nodes = by_id(page_data(html)["nodes"])
    assert nodes["model:mistral-7b"]["group"] == "Model"


def test_size_by_influence() -> None:
    nodes = by_id(page_data(render_html(lineage()).html)["nodes"])
    # citations: Mistral paper (1200) > Zephyr paper (400); without citations the degree counts
    assert nodes["arxiv:2310.06825"]["value"] > nodes["arxiv:2310.16944"]["value"]
    assert nodes["model:zephyr-7b"]["value"] > nodes["author:albert-q-jiang"]["value"]

    graph = lineage()
    graph.nodes["author:albert-q-jiang"]["pagerank"] = 0.9
    graph.nodes["model:zephyr-7b"]["pagerank"] = 0.1
    nodes = by_id(page_data(render_html(graph).html)["nodes"])
    assert nodes["author:albert-q-jiang"]["value"] == 100.0
    assert nodes["author:albert-q-jiang"]["value"] > nodes["model:zephyr-7b"]["value"]


def test_edge_style_by_relation_and_trust() -> None:
    data = page_data(render_html(lineage()).html)
    styles = data["edgeStyles"]
    builds_curated, builds_extracted = styles["BUILDS_ON|3"], styles["BUILDS_ON|1"]
    assert builds_curated["dashes"] is False
    assert builds_extracted["dashes"] and builds_extracted["color"]["opacity"] < builds_curated["color"]["opacity"]
    assert styles["INTRODUCES|3"]["color"]["color"] != builds_curated["color"]["color"]
    assert styles["CITES|2"]["width"] < builds_curated["width"]
    assert styles["MENTIONS|1"]["color"]["opacity"] < styles["CITES|2"]["color"]["opacity"]
    edges = {(e["from"], e["to"], e["type"]): e for e in data["edges"]}
    builds = edges[("model:zephyr-7b", "model:mistral-7b", "BUILDS_ON")]
    assert builds["trust"] == 3 and builds["kind"] == "fine_tuned_from" and builds["label"] == "fine tuned from"
    assert edges[("model:zephyr-7b", "method:dpo", "BUILDS_ON")]["trust"] == 1
    assert data["options"]["edges"]["arrows"]["to"]["enabled"] is True  # source → target: newer → older


def test_contrast_edges_are_drawn_as_contrast_with_a_legend_row() -> None:
    """A replaces or compared-with edge is not lineage: its own colour, dotted, its own filter (issue 22)."""
    graph = lineage()
    graph.add_node("method:ppo", label="Method", name="PPO")
    for kind, target in (("replaces", "method:ppo"), ("compared_with", "model:mistral-7b")):
        graph.add_edge(
            "method:dpo", target, key=f"BUILDS_ON:{kind}", type="BUILDS_ON", kind=kind, **_prov("curated", trust=3)
        )
    html = render_html(graph).html
    data = page_data(html)
    edges = {(e["from"], e["to"], e.get("kind")): e for e in data["edges"]}
    replaces = edges[("method:dpo", "method:ppo", "replaces")]
    assert replaces["type"] == "CONTRAST" and replaces["label"] == "replaces"
    assert edges[("method:dpo", "model:mistral-7b", "compared_with")]["type"] == "CONTRAST"
    assert edges[("model:zephyr-7b", "model:mistral-7b", "fine_tuned_from")]["type"] == "BUILDS_ON"
    contrast, builds = data["edgeStyles"]["CONTRAST|3"], data["edgeStyles"]["BUILDS_ON|3"]
    assert contrast["dashes"] and contrast["color"]["color"] != builds["color"]["color"]
    assert 'data-filter="type" value="CONTRAST" checked>' in html and "replaces / compared with" in html
    assert "BUILDS_ON · replaces" in replaces["title"]  # the tooltip names the stored relation and kind


def test_node_tooltip() -> None:
    nodes = by_id(page_data(render_html(lineage()).html)["nodes"])
    paper = nodes["arxiv:2310.06825"]["title"]
    assert (
        "Albert Q. Jiang, Alexandre Sablayrolles, Arthur Mensch, Chris Bamford, Devendra Singh Chaplot et al." in paper
    )
    assert "Diego" not in paper
    assert '<a href="https://arxiv.org/abs/2310.06825"' in paper and "2023-10-10" in paper and "Paper" in paper
    model = nodes["model:mistral-7b"]["title"]
    assert 'href="https://huggingface.co/mistralai/Mistral-7B-v0.1"' in model
    assert "sliding window attention" in model and "7.24B" in model and "model:mistral-7b" in model


def test_edge_tooltip_lists_every_source() -> None:
    edges = page_data(render_html(lineage()).html)["edges"]
    tip = next(e["title"] for e in edges if e.get("kind") == "fine_tuned_from")
    assert "BUILDS_ON · fine tuned from" in tip
    assert "curated" in tip and "hf_card" in tip and "confidence 0.95" in tip
    assert "base_model: mistralai/Mistral-7B-v0.1" in tip


def test_hostile_text_is_escaped() -> None:
    html = render_html(lineage()).html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert html.lower().count("</script>") == 3  # data, vis-network, page script: nothing closed early
    data = page_data(html)
    zephyr = by_id(data["nodes"])["arxiv:2310.16944"]
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)" in zephyr["title"]
    assert zephyr["name"] == f"Zephyr {HOSTILE}"  # the canvas draws names as text
    extracted = next(e["title"] for e in data["edges"] if e.get("kind") == "uses_method")
    assert "&lt;img src=x onerror=alert(1)&gt;" in extracted
    title_html = render_html(lineage(), title="<b>lineage</b>").html
    assert "<title>&lt;b&gt;lineage&lt;/b&gt;</title>" in title_html


def test_time_layout_orders_by_date() -> None:
    data = page_data(render_html(lineage(), layout="time").html)
    assert data["options"]["physics"]["enabled"] is False
    nodes = by_id(data["nodes"])
    assert all(n["physics"] is False and n["fixed"]["x"] is True for n in nodes.values())
    x = {node_id: n["x"] for node_id, n in nodes.items()}
    assert x["arxiv:2305.18290"] < x["model:mistral-7b"] < x["arxiv:2310.06825"]
    assert x["arxiv:2310.06825"] == x["model:zephyr-7b"]  # same month
    # DPO has no date of its own: it appears with the paper that introduces it
    assert x["method:dpo"] == x["arxiv:2305.18290"]
    lanes = {lane["label"]: lane for lane in data["axis"]["lanes"]}
    assert lanes["Model"]["top"] <= nodes["model:mistral-7b"]["y"] <= lanes["Model"]["bottom"]
    assert lanes["Model"]["bottom"] < lanes["Paper"]["top"]
    assert [t["label"] for t in data["axis"]["ticks"]][:2] == ["May 2023", "2024"]


def test_undated_nodes_sit_at_the_left() -> None:
    graph = lineage()
    graph.add_node("model:mystery", label="Model", name="Mystery model")
    graph.add_edge(
        "model:mystery",
        "model:mistral-7b",
        key="BUILDS_ON:variant_of",
        type="BUILDS_ON",
        kind="variant_of",
        **_prov("extracted", trust=1),
    )
    data = page_data(render_html(graph, layout="time").html)
    nodes = by_id(data["nodes"])
    dated = [n["x"] for node_id, n in nodes.items() if node_id != "model:mystery"]
    assert nodes["model:mystery"]["x"] < min(dated)
    assert data["axis"]["undated"] == nodes["model:mystery"]["x"]


def test_many_undated_nodes_do_not_overlap_their_labels() -> None:
    """Each label is drawn under its node, up to a CELL wide: two undated nodes are a label's
    width apart, or far enough apart vertically that their labels do not meet."""
    from viz.layout import CELL, ROW

    graph = lineage()
    for i in range(24):
        graph.add_node(f"model:undated-{i}", label="Model", name=f"Undated fine-tune number {i} of Mistral")
    data = page_data(render_html(graph, layout="time").html)
    placed = [(n["x"], n["y"]) for n in data["nodes"] if n["id"].startswith("model:undated-")]
    for i, (x1, y1) in enumerate(placed):
        for x2, y2 in placed[i + 1 :]:
            assert abs(x1 - x2) >= CELL or abs(y1 - y2) >= ROW / 2, ((x1, y1), (x2, y2))
    dated = [n["x"] for n in data["nodes"] if not n["id"].startswith("model:undated-")]
    assert max(x for x, _ in placed) + CELL <= min(dated)  # the block's labels stay clear of the timeline
    assert min(x for x, _ in placed) <= data["axis"]["undated"] <= max(x for x, _ in placed)


def test_node_tooltip_says_where_a_date_came_from() -> None:
    graph = lineage()
    graph.nodes["model:zephyr-7b"]["date_source"] = "paper:arxiv:2310.16944"
    title = by_id(page_data(render_html(graph).html)["nodes"])["model:zephyr-7b"]["title"]
    assert "2023-10-26 (paper:arxiv:2310.16944)" in title


def test_force_layout_stabilisation_is_bounded() -> None:
    options = page_data(render_html(lineage()).html)["options"]
    assert options["physics"]["enabled"] is True
    assert 0 < options["physics"]["stabilization"]["iterations"] <= 200
    assert "x" not in page_data(render_html(lineage()).html)["nodes"][0]


def test_node_cap_keeps_the_most_influential() -> None:
    graph = nx.MultiDiGraph()
    for i in range(30):
        graph.add_node(f"arxiv:2401.{i:05d}", label="Paper", name=f"Paper {i}", citations=i * 10)
    for i in range(1, 30):
        graph.add_edge(f"arxiv:2401.{i:05d}", f"arxiv:2401.{i - 1:05d}", key="CITES", type="CITES", trust=2)
    result = render_html(graph, node_cap=10)
    assert (result.nodes, result.edges, result.trimmed_from) == (10, 9, 30)
    assert result.warning == "showing 10 of 30 nodes, ranked by influence"
    assert 'id="lineage-warning"' in result.html and result.warning in result.html
    kept = {n["id"] for n in page_data(result.html)["nodes"]}
    assert kept == {f"arxiv:2401.{i:05d}" for i in range(20, 30)}


def test_big_graph_renders() -> None:
    """5,000 nodes and 20,000 edges: the build is one pass, so this stays quick."""
    graph = nx.MultiDiGraph()
    n = 5000
    for i in range(n):
        graph.add_node(f"arxiv:2301.{i:05d}", label="Paper", name=f"Paper {i}", date=f"20{17 + i % 8}-{1 + i % 12:02d}")
    for i in range(20_000):
        source, target = i % n, (i * 7919 + 1 + i // n) % n
        if source == target:
            target = (target + 1) % n
        graph.add_edge(f"arxiv:2301.{source:05d}", f"arxiv:2301.{target:05d}", key=f"CITES:{i}", type="CITES")
    assert graph.number_of_edges() == 20_000
    full = render_html(graph, node_cap=n)
    assert (full.nodes, full.edges, full.trimmed_from) == (5000, 20_000, None)
    capped = render_html(graph, layout="time")
    assert capped.nodes == 1500 and capped.trimmed_from == 5000
    assert capped.warning == "showing 1,500 of 5,000 nodes, ranked by influence"


def test_empty_graph() -> None:
    result = render_html(nx.MultiDiGraph(), layout="time")
    assert (result.nodes, result.edges) == (0, 0)
    assert page_data(result.html)["nodes"] == []


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="layout 'radial'"):
        render_html(lineage(), layout="radial")
    with pytest.raises(ValueError, match="height"):
        render_html(lineage(), height="800px; background: red")
    with pytest.raises(ValueError, match="node_cap"):
        render_html(lineage(), node_cap=0)


def test_write_page_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out" / "lineage.html"
    result = write_page(lineage(), target, title="Zephyr")
    assert target.read_text(encoding="utf-8") == result.html
    write_page(lineage(), target, title="Again")
    assert "<title>Again</title>" in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == ["lineage.html"]  # no temp files left


def test_write_page_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(PageWriteError, match=r"not-a-dir.*not writable"):
        write_page(lineage(), blocker / "lineage.html")
