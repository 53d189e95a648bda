"""Analytics stop at their own time bound with the typed timeout error, on both backends."""

from __future__ import annotations

import pytest

from graph.errors import QueryTimeoutError
from queries.registry import run_query


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("pagerank", {}),
        ("main-path", {"id": "model:zephyr-7b"}),
        ("descendant-impact", {"id": "method:lora"}),
    ],
)
def test_an_analytic_past_its_bound_stops_with_a_timeout(curated_store, name, params) -> None:
    with pytest.raises(QueryTimeoutError, match=rf"^{name}: the query ran past the time limit"):
        run_query(curated_store, name, params, timeout=1e-9)
    assert run_query(curated_store, name, params, timeout=60).rows  # the same question, given time
