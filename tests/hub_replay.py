"""A loopback Hugging Face Hub for tests, answering from a recorded model-tree crawl (test-only).

The crawl (``tests/fixtures/hf_tree/*.json``, see its README) recorded each repo's model info
as a string dump of ``huggingface_hub``'s ``ModelInfo`` and its README. The Hub's answers are
**rebuilt** from those records, in the shapes ``huggingface_hub`` parses (read from its
``hf_api.py``, ``utils/_pagination.py`` and ``utils/_http.py``):

* ``GET /api/models/<id>``: the model info JSON (camelCase keys as the API sends them; the
  crawl's ``cardData`` YAML text parsed back to an object; ``siblings`` from their reprs to
  ``{"rfilename"}`` objects). A repo the crawl only links to (an adapter or a quantisation it
  did not expand), or whose info it did not get (``N/A``), has only what the crawl knows: its
  id. A repo not in the crawl gets the Hub's 404 with ``X-Error-Code: RepoNotFound``.
* ``GET /api/models?filter=base_model:<rel>:<id>``: the repo's ``children`` / ``adapters`` /
  ``quantized`` / ``merges`` list as ``[{"id", "modelId"}]``, ``page_size`` per page, with a
  GitHub-style ``Link: <…>; rel="next"`` header as the Hub pages.
* ``GET /<id>/resolve/main/README.md``: the recorded card text. A repo the crawl recorded as
  gated (``gated: auto|manual``) answers 401 ``X-Error-Code: GatedRepo`` to a request without
  an ``Authorization`` header (the replay checks no token's value). A card the crawl did not
  get answers 404 ``X-Error-Code: EntryNotFound``.

``faults`` lets a test put answers in front of a path (a 429 with ``Retry-After``, say), and
``cards`` replace a repo's README with a test's own text (a broken card; never recorded data);
``requests`` lists what was asked, as :class:`tests.replay.Seen`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from replay import LoopbackServer, Seen

FIXTURE = Path(__file__).parent / "fixtures" / "hf_tree" / "Llama-2-7b_finetunes_20250422_180448.json"
HUB = re.compile(r"^https?://huggingface\.co/")
RELATION_LISTS = {"finetune": "children", "adapter": "adapters", "quantized": "quantized", "merge": "merges"}
_SIBLING = re.compile(r"RepoSibling\(rfilename='((?:[^'\\]|\\.)*)'")
#: ModelInfo attributes the crawler dumped in snake_case, and the API's key for each.
_API_KEYS = {
    "author": "author",
    "sha": "sha",
    "private": "private",
    "gated": "gated",
    "disabled": "disabled",
    "downloads": "downloads",
    "likes": "likes",
    "library_name": "library_name",
    "tags": "tags",
    "pipeline_tag": "pipeline_tag",
    "mask_token": "mask_token",
    "widget_data": "widgetData",
    "model_index": "model-index",
    "config": "config",
    "transformers_info": "transformersInfo",
    "spaces": "spaces",
    "safetensors": "safetensors",
}


def _iso(value: str | None) -> str | None:
    """``2023-07-09 07:34:35+00:00`` (the dump) → ``2023-07-09T07:34:35.000Z`` (the API)."""
    if not value:
        return None
    when = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def repo_of(url_or_id: str) -> str:
    return HUB.sub("", url_or_id).strip("/")


def api_info(row: dict[str, Any]) -> dict[str, Any]:
    """The ``/api/models/<id>`` body rebuilt from one crawl row (see the module docstring)."""
    repo = repo_of(str(row["model_id"]))
    try:
        meta = json.loads(row["metadata"])
    except (TypeError, ValueError):  # "N/A": the crawl got no model info
        return {"id": repo, "modelId": repo}
    out: dict[str, Any] = {"_id": meta.get("_id"), "id": meta.get("id") or repo, "modelId": meta.get("modelId") or repo}
    for snake, key in _API_KEYS.items():
        if meta.get(snake) is not None:
            out[key] = meta[snake]
    out["lastModified"] = _iso(meta.get("last_modified"))
    out["createdAt"] = _iso(meta.get("created_at"))
    card = meta.get("cardData") or meta.get("card_data")
    if isinstance(card, str) and card.strip():
        out["cardData"] = yaml.safe_load(card)
    if meta.get("siblings") is not None:
        out["siblings"] = [{"rfilename": m.group(1)} for s in meta["siblings"] if (m := _SIBLING.match(s))]
    if meta.get("usedStorage") is not None:
        out["usedStorage"] = meta["usedStorage"]
    return {k: v for k, v in out.items() if v is not None}


class HubReplay(LoopbackServer):
    """The loopback Hub (module docstring). ``with HubReplay() as hub: hub.url``."""

    def __init__(self, fixture: Path = FIXTURE, page_size: int = 10) -> None:
        data = json.loads(fixture.read_text(encoding="utf-8"))
        self.rows = {repo_of(str(r["model_id"])).lower(): r for r in data["models"]}
        self.linked: dict[str, str] = {}  # lower-case id → id, for repos the crawl only links to
        for row in data["models"]:
            for key in RELATION_LISTS.values():
                for url in row.get(key) or []:
                    self.linked.setdefault(repo_of(url).lower(), repo_of(url))
        self.page_size = page_size
        self.faults: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
        self.cards: dict[str, str] = {}  # lower-case repo id → README text a test wrote
        super().__init__()

    def respond(self, seen: Seen, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        return self.answer(seen.path, query, seen.headers)

    # --- answers ----------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> tuple[int, bytes, dict]:
        if self.faults.get(path):
            status, extra = self.faults[path].pop(0)
            return status, json.dumps({"error": f"replayed fault {status}"}).encode(), extra
        if path == "/api/models":
            return self.listing(query)
        if path.startswith("/api/models/"):
            return self.info(path.removeprefix("/api/models/"))
        m = re.match(r"^/(.+)/resolve/main/README\.md$", path)
        if m:
            return self.readme(m.group(1), headers)
        return self._error(404, "RepoNotFound", f"no such endpoint in the replay: {path}")

    @staticmethod
    def _json(body: Any, extra: dict[str, str] | None = None) -> tuple[int, bytes, dict]:
        return 200, json.dumps(body).encode(), {"content-type": "application/json", **(extra or {})}

    @staticmethod
    def _error(status: int, code: str, message: str) -> tuple[int, bytes, dict]:
        head = {"content-type": "application/json", "x-error-code": code, "x-error-message": message}
        return status, json.dumps({"error": message}).encode(), head

    def info(self, repo: str) -> tuple[int, bytes, dict]:
        row = self.rows.get(repo.lower())
        if row is not None:
            return self._json(api_info(row))
        if repo.lower() in self.linked:
            known = self.linked[repo.lower()]
            return self._json({"id": known, "modelId": known})
        return self._error(404, "RepoNotFound", "Repository not found")

    def listing(self, query: dict[str, list[str]]) -> tuple[int, bytes, dict]:
        children: list[str] = []
        for flt in query.get("filter", []):
            m = re.match(r"^base_model:(finetune|adapter|quantized|merge):(.+)$", flt)
            row = self.rows.get(m.group(2).lower()) if m else None
            if row is not None:
                children += [repo_of(u) for u in row.get(RELATION_LISTS[m.group(1)]) or []]
        start = int(query.get("cursor", ["0"])[-1])
        page = children[start : start + self.page_size]
        extra = {}
        if start + self.page_size < len(children):
            params = {k: v[-1] for k, v in query.items()} | {"cursor": str(start + self.page_size)}
            extra["link"] = f'<{self.url}/api/models?{urlencode(params)}>; rel="next"'
        return self._json([{"id": c, "modelId": c} for c in page], extra)

    def readme(self, repo: str, headers: dict[str, str]) -> tuple[int, bytes, dict]:
        row = self.rows.get(repo.lower())
        if row is None:
            if repo.lower() in self.linked:
                return self._error(404, "EntryNotFound", "Entry not found")
            return self._error(404, "RepoNotFound", "Repository not found")
        info = api_info(row)
        if info.get("gated") and "authorization" not in headers:
            return self._error(401, "GatedRepo", f"Access to model {repo} is restricted.")
        card = self.cards.get(repo.lower(), row.get("card"))
        if not isinstance(card, str) or card == "N/A":
            return self._error(404, "EntryNotFound", "Entry not found")
        return 200, card.encode("utf-8"), {"content-type": "text/plain; charset=utf-8"}
