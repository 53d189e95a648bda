"""Records validate at the edge: a bad record names itself and the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from graph.schema import Edge, Model, Paper, Provenance, merge_provenance, node_row


def curated(evidence: str = "seed: fact") -> list[Provenance]:
    return [Provenance(source="curated", evidence=evidence)]


def test_paper_id_is_normalised_from_any_spelling() -> None:
    for raw in ("2310.06825", "arXiv:2310.06825v3", "https://arxiv.org/abs/2310.06825v1", "10.48550/arXiv.2310.06825"):
        assert Paper(id=raw, title="Mistral 7B").id == "arxiv:2310.06825"


def test_invalid_id_names_the_input() -> None:
    with pytest.raises(ValidationError) as exc:
        Paper(id="not-an-id", title="x")
    assert "not-an-id" in str(exc.value) and "id" in str(exc.value)


def test_label_must_match_id_prefix() -> None:
    with pytest.raises(ValidationError, match="is a Model id, not a Paper id"):
        Paper(id="model:mistral-7b", title="x")


def test_builds_on_needs_a_kind_and_others_refuse_one() -> None:
    with pytest.raises(ValidationError, match="kind is required"):
        Edge(type="BUILDS_ON", source="model:a", target="model:b", provenance=curated())
    with pytest.raises(ValidationError, match="kind is required"):
        Edge(type="CITES", kind="extends", source="arxiv:2310.06825", target="arxiv:2305.18290", provenance=curated())


def test_edge_endpoint_types_are_checked() -> None:
    with pytest.raises(ValidationError, match="INTRODUCES cannot go from a Model"):
        Edge(type="INTRODUCES", source="model:a", target="method:b", provenance=curated())
    with pytest.raises(ValidationError, match="points at itself"):
        Edge(type="BUILDS_ON", kind="extends", source="model:a", target="model:a", provenance=curated())


def test_every_edge_needs_provenance() -> None:
    with pytest.raises(ValidationError, match="provenance"):
        Edge(type="CITES", source="arxiv:2310.06825", target="arxiv:2305.18290", provenance=[])


def test_provenance_merges_by_source_and_ranks_trust() -> None:
    first = merge_provenance([], [Provenance(source="extracted", evidence="based on X", confidence=0.6)])
    assert first["trust"] == 1
    both = merge_provenance(
        [
            dict(zip(("source", "evidence", "confidence", "retrieved"), x, strict=True))
            for x in zip(first["sources"], first["evidence"], first["confidence"], first["retrieved"], strict=True)
        ],
        curated("000.txt: Zephyr is fine-tuned from Mistral"),
    )
    assert both["sources"] == ["curated", "extracted"]
    assert both["trust"] == 3
    assert both["evidence"][0] == "000.txt: Zephyr is fine-tuned from Mistral"


def test_node_row_uses_title_as_paper_name_and_exposes_a_date() -> None:
    row = node_row(Paper(id="2310.06825", title="Mistral 7B", published="2023-10-10"))
    assert row["name"] == "Mistral 7B" and row["date"] == "2023-10-10" and row["label"] == "Paper"
    model = node_row(Model(id="model:mistral-7b", name="Mistral 7B", release_date="2023-09-27"))
    assert model["date"] == "2023-09-27"


def test_node_row_equals_the_json_dump_of_every_curated_node() -> None:
    """node_row reads fields directly (for speed); it must say what model_dump(mode='json') says."""
    from graph.schema import NODE_COLUMNS, display_name
    from loaders.curated import read_curated

    nodes = [r for r in read_curated() if not isinstance(r, Edge)]
    assert {type(n).__name__ for n in nodes} == {"Paper", "Author", "Model", "Method", "Dataset"}
    for node in nodes:
        data = node.model_dump(mode="json")
        expected = {col: data.get(col) for col in NODE_COLUMNS}
        expected["name"] = display_name(node)
        expected["date"] = data.get("published") or data.get("release_date")
        expected["date_source"] = "curated" if data.get("release_date") else None
        assert node_row(node) == expected, node.id
