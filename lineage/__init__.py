"""LLM Lineage: where a model or method comes from, and what came of it.

``lineage.connect()`` opens the configured store for Python and notebooks (:mod:`lineage.notebook`).
It is imported on first use, so ``import lineage`` (and the CLI's start-up) stays light.
"""

from __future__ import annotations

__all__ = ["Lineage", "Result", "connect"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from lineage import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'lineage' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Tab completion in a notebook offers ``lineage.connect`` before it is imported."""
    return sorted({*globals(), *__all__})
