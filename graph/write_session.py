"""One batch write, the same outline on every backend.

A batch is planned against what the store holds (:func:`graph.store.plan_batch`: new, changed
and unchanged rows, merged provenance, endpoint checks), the plan is applied, and the batch's
checkpoint is set, all inside one transaction the backend opens. Only the look-ups and the
writes differ between backends, so a backend gives those as the hooks of a :class:`WriteSession`
and opens its transaction in :meth:`BatchWriter.in_write`; the outline itself lives here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from graph.store import Batch, BatchPlan, EdgeKey, KnownRows, LoadReport, as_batch, plan_batch, wanted_edges

if TYPE_CHECKING:
    from graph.schema import Edge


class WriteSession:
    """A backend's side of one batch write, inside its open write transaction.

    Hooks: :meth:`node_rows`, :meth:`edges_out_of`, :meth:`apply` and :meth:`set_checkpoint`;
    :meth:`node_ids` and :meth:`complete_edges` where the backend can do better than the default.
    """

    def node_rows(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored rows of those of ``ids`` that exist."""
        raise NotImplementedError

    def node_ids(self, ids: list[str]) -> set[str]:
        """Those of ``ids`` that exist (edge ends outside the batch only need to)."""
        return set(self.node_rows(ids))

    def edges_out_of(self, etype: str, sources: list[str]) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """``(source, target, row)`` of every stored ``etype`` edge out of ``sources``."""
        raise NotImplementedError

    def complete_edges(self, found: dict[EdgeKey, dict[str, Any]]) -> dict[EdgeKey, dict[str, Any]]:
        """The found edges with whatever the backend keeps apart from them (the embedded store's provenance)."""
        return found

    def apply(self, plan: BatchPlan) -> None:
        """Write the plan's new rows and its changes to existing ones."""
        raise NotImplementedError

    def set_checkpoint(self, key: str, value: str) -> None:
        raise NotImplementedError

    # -- the outline ------------------------------------------------------------------------------
    def edges(self, keys: list[EdgeKey]) -> dict[EdgeKey, dict[str, Any]]:
        """The stored edges among ``keys`` (:func:`graph.store.wanted_edges`)."""
        return self.complete_edges(wanted_edges(keys, self.edges_out_of))

    def write(self, batch: Batch, known: KnownRows | None = None) -> LoadReport:
        plan = plan_batch(batch, self.node_rows, self.edges, self.node_ids, known)
        self.apply(plan)
        if batch.checkpoint:
            self.set_checkpoint(*batch.checkpoint)
        return plan.report


class BatchWriter:
    """``write_batch`` for every store: the store opens its write transaction (:meth:`in_write`,
    which commits when ``work`` returns and rolls back when it raises) and a
    :class:`WriteSession` writes the batch in it."""

    def in_write(self, work: Callable[[WriteSession], LoadReport]) -> LoadReport:
        raise NotImplementedError

    def write_batch(
        self,
        nodes: Sequence[Any] | Batch,
        edges: Sequence[Edge] = (),
        checkpoint: tuple[str, str] | None = None,
        *,
        known: KnownRows | None = None,
    ) -> LoadReport:
        """Upsert one batch in one transaction: all of it or nothing (:class:`graph.store.GraphStore`)."""
        batch = as_batch(nodes, edges, checkpoint)
        return self.in_write(lambda session: session.write(batch, known))
