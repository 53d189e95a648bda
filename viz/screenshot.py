"""PNG screenshots of lineage pages with headless Chromium (for docs/lineage.png and checks).

Chromium runs with networking cut off (every host name resolves to nothing), a throwaway
profile, and a virtual time budget, so the force layout has settled before the shot is taken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from graph.errors import LineageError

#: Flags for a quiet, offline, throwaway headless Chromium.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


class ScreenshotError(LineageError):
    """Chromium is missing or did not produce the picture."""


def find_chromium() -> str | None:
    """``$LINEAGE_CHROMIUM``, else the first Chromium/Chrome on ``PATH``."""
    configured = os.environ.get("LINEAGE_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    width: int = 1400,
    height: int = 900,
    *,
    settle_ms: int = 10000,
    timeout: float = 90.0,
) -> Path:
    """Open ``html_path`` offline in headless Chromium and save a ``width`` x ``height`` PNG."""
    browser = find_chromium()
    if browser is None:
        raise ScreenshotError("no Chromium found: install the 'chromium' package or set LINEAGE_CHROMIUM")
    page, png = Path(html_path).resolve(), Path(png_path).resolve()
    if not page.is_file():
        raise ScreenshotError(f"no page at {page}")
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="lineage-chromium-") as profile:
        cmd = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--virtual-time-budget={settle_ms}",
            f"--screenshot={png}",
            page.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ScreenshotError(f"chromium took over {timeout:.0f}s to screenshot {page}") from exc
    if not png.is_file() or png.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise ScreenshotError(f"chromium wrote no screenshot of {page} (exit {proc.returncode}): {' | '.join(tail)}")
    return png
