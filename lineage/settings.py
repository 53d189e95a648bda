"""Settings from the environment, with the variable names users already know.

``NEO4J_URI``/``NEO4J_USERNAME``/``NEO4J_PASSWORD``/``NEO4J_DATABASE`` are Neo4j's own names;
when ``NEO4J_URI`` is set, Neo4j is the backend, otherwise the embedded store at ``LINEAGE_DB``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def data_home() -> Path:
    """``$LINEAGE_HOME`` or the XDG data directory (``~/.local/share/lineage``)."""
    if os.environ.get("LINEAGE_HOME"):
        return Path(os.environ["LINEAGE_HOME"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "lineage"


@dataclass
class Settings:
    db: Path = field(default_factory=lambda: Path(os.environ.get("LINEAGE_DB") or data_home() / "lineage.lbug"))
    neo4j_uri: str | None = field(default_factory=lambda: os.environ.get("NEO4J_URI") or None)
    neo4j_user: str = field(default_factory=lambda: os.environ.get("NEO4J_USERNAME", "neo4j"))
    neo4j_password: str | None = field(default_factory=lambda: os.environ.get("NEO4J_PASSWORD"))
    neo4j_database: str | None = field(default_factory=lambda: os.environ.get("NEO4J_DATABASE") or None)
    batch_size: int = field(default_factory=lambda: int(os.environ.get("LINEAGE_BATCH_SIZE", "5000")))
    #: the embedded engine's memory bound; its own default would be most of the machine's RAM
    buffer_pool_mb: int | None = field(
        default_factory=lambda: (
            int(os.environ["LINEAGE_BUFFER_POOL_MB"]) if os.environ.get("LINEAGE_BUFFER_POOL_MB") else None
        )
    )

    @property
    def backend(self) -> str:
        return "neo4j" if self.neo4j_uri else "ladybug"

    def open_store(self):
        from graph.backends import open_store

        server = None
        if self.neo4j_uri:
            from lineage.neo4j_server import detached_at

            server = detached_at(self.neo4j_uri)  # `lineage neo4j start`'s: bulk loads may import
        return open_store(
            self.backend,
            path=self.db,
            uri=self.neo4j_uri,
            user=self.neo4j_user,
            password=self.neo4j_password,
            database=self.neo4j_database,
            buffer_pool_mb=self.buffer_pool_mb,
            server=server,
        )
