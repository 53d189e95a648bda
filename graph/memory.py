"""Process memory: what a long load does to keep its resident size down."""

from __future__ import annotations

import ctypes
from contextlib import suppress


def release_free_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``), elsewhere nothing.

    Freed Python objects leave their pages with the allocator, which counts in RSS; a loader that
    has just dropped a large batch (the embedded bulk group, a card-dump worker) calls this.
    """
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
