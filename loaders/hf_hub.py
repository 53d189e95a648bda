"""Model lineage from the Hugging Face Hub itself: ``lineage load hf REPO --down/--up``.

The Hub's model tree, read with its official client (``huggingface_hub``, which honours
``HF_ENDPOINT`` and ``HF_TOKEN``):

* **down** from a repo: its children by relation, ``list_models(filter="base_model:<rel>:<id>")``
  for ``finetune``, ``adapter``, ``quantized`` and ``merge``, then theirs, breadth first;
* **up** from a repo: the ``base_model`` its card names (and the Hub's ``base_model:`` tags),
  then that repo's, to the roots.

Both stop at ``depth`` levels from the start and ``max_models`` repos. Each repo's model info
(``GET /api/models/<id>``) gives its card metadata (``cardData``: the README's front matter, as
the Hub parsed it), which goes through the card loader's own parser (:func:`loaders.hf_cards.plan_card`,
:func:`loaders.hf_cards.write_plans`), so kinds, papers, datasets and methods come out as from
card files. The README itself is read only where the body is needed: the body's arXiv links
become paper mentions, and the Hub tags a repo ``arxiv:…`` for every arXiv link in its card,
so a repo without such a tag has no body link to read. The Hub's relation (the list a child
was found in, or the child's ``base_model:<rel>:<id>`` tag) sets the edge's kind and adds an
``hf_hub`` provenance; a child the Hub lists but whose card does not name the parent still
gets its edge. Model nodes also carry the Hub's created date, downloads, likes, license,
pipeline tag and library (``sources: hf_hub``).

Polite and sturdy: at most one request per ``min_interval`` seconds; 429 and 5xx are retried
by ``huggingface_hub``'s own ``http_backoff`` (exponential, honouring ``Retry-After``);
every answer is cached on disk (``cache_dir``), so a re-run needs no network for what it has
seen; every ``chunk`` repos are written in batches with a checkpoint of the crawl's frontier,
so an interrupted run resumes where it stopped. A missing or gated repo is one failure line
naming it, and the rest loads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from graph.errors import LineageError
from graph.schema import Edge, EdgeType, Provenance, Source
from graph.store import GraphStore, prepare_records
from loaders.hf_cards import (
    RELATIONS,
    Card,
    CardError,
    CardPlan,
    base_models,
    hf_index,
    hf_model_id,
    is_repo_id,
    plan_card,
    read_card,
    with_hub_license,
    write_plans,
)
from loaders.paper_nodes import SourceReport
from loaders.shown import cut

Direction = Literal["down", "up"]
#: The Hub's relation names, in the order children are listed.
HUB_RELATIONS = ("finetune", "adapter", "quantized", "merge")
_BASE_TAG = re.compile(r"^base_model:(finetune|adapter|quantized|merge):(.+)$")
_HUB_URL = re.compile(r"^https?://(?:www\.)?huggingface\.co/")


class HubError(LineageError):
    """A repo the crawl could not ask about (not cached, and --offline); names the repo."""


@dataclass
class HubReport(SourceReport):
    """A load report plus the requests the crawl sent and the answers read from the disk cache."""

    requests: int = 0
    cached: int = 0
    repos: int = 0


class HubClient:
    """The few Hub calls the crawl makes, through ``huggingface_hub``, cached on disk.

    ``endpoint``/``token`` default to ``HF_ENDPOINT``/``HF_TOKEN`` (read when the client is
    made, so a test's loopback server is honoured). ``offline`` answers only from the cache.
    """

    def __init__(
        self,
        cache_dir: str | Path,
        *,
        endpoint: str | None = None,
        token: str | bool | None = None,
        min_interval: float = 0.35,
        max_retries: int = 5,
        offline: bool = False,
    ) -> None:
        from huggingface_hub import HfApi, constants

        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
        self.token = token if token is not None else (os.environ.get("HF_TOKEN") or None)
        self.api = HfApi(endpoint=self.endpoint, token=self.token)
        self.cache = Path(cache_dir)
        self.min_interval, self.max_retries, self.offline = min_interval, max_retries, offline
        self.requests = 0
        self.cached = 0
        self._last: float | None = None

    # --- cache --------------------------------------------------------------------------

    def _path(self, kind: str, repo: str, suffix: str = ".json") -> Path:
        return self.cache / kind / (repo.lower().replace("/", "__") + suffix)

    def _cached(self, path: Path) -> str | None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return None
        self.cached += 1
        return text

    @staticmethod
    def _save(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # a crash never leaves half an answer in the cache

    # --- requests -----------------------------------------------------------------------

    def _pause(self, repo: str) -> None:
        if self.offline:
            raise HubError(f"{repo}: not in the disk cache ({self.cache}) and --offline was given")
        if self._last is not None:
            wait = self.min_interval - (time.monotonic() - self._last)
            if wait > 0:
                time.sleep(wait)
        self._last = time.monotonic()
        self.requests += 1

    def _get(self, repo: str, url: str) -> Any:
        from huggingface_hub.utils import build_hf_headers, hf_raise_for_status, http_backoff

        self._pause(repo)
        # huggingface_hub's own retry loop: 429/5xx and network errors, exponential backoff,
        # and it waits what Retry-After (or the RateLimit headers) say.
        response = http_backoff(
            "GET", url, headers=build_hf_headers(token=self.token), max_retries=self.max_retries, timeout=60
        )
        hf_raise_for_status(response)
        return response

    def info(self, repo: str) -> dict[str, Any]:
        """The repo's model info as the Hub sends it (``GET /api/models/<id>``)."""
        path = self._path("info", repo)
        text = self._cached(path)
        if text is None:
            text = self._get(repo, f"{self.endpoint}/api/models/{repo}").text
            self._save(path, text)
        return json.loads(text)

    def readme(self, repo: str) -> str:
        """The repo's ``README.md`` (``GET /<id>/resolve/main/README.md``)."""
        from huggingface_hub import hf_hub_url

        path = self._path("readme", repo, ".md")
        text = self._cached(path)
        if text is None:
            url = hf_hub_url(repo, "README.md", endpoint=self.endpoint)
            text = self._get(repo, url).content.decode("utf-8", "replace")
            self._save(path, text)
        return text

    def children(self, repo: str, relation: str) -> list[str]:
        """Repo ids the Hub lists under ``base_model:<relation>:<repo>``, every page.

        All of them even when ``max_models`` will stop the crawl first: the rest stay in the
        checkpoint's queue, and a page holds many ids, so listing them costs little."""
        path = self._path(f"children-{relation}", repo)
        text = self._cached(path)
        if text is not None:
            return json.loads(text)
        self._pause(repo)
        found = [model.id for model in self.api.list_models(filter=f"base_model:{relation}:{repo}", token=self.token)]
        self._save(path, json.dumps(found))
        return found


# --- the crawl ------------------------------------------------------------------------------


def start_repo(store: GraphStore, repo_or_id: str) -> str:
    """The repo to start from: a repo id, a Hub URL, or a stored model's id (its ``hf_id``)."""
    text = _HUB_URL.sub("", repo_or_id.strip()).strip("/")
    if ":" in text:  # a node id such as model:llama-2
        rows = store.nodes([text])
        hf_id = (rows.get(text) or {}).get("hf_id")
        if not hf_id:
            raise LineageError(f"{repo_or_id}: no stored model with that id has a Hugging Face repo (hf_id)")
        return hf_id
    if not is_repo_id(text):
        raise LineageError(f"{repo_or_id}: not a Hub repo id (owner/name) nor a model id")
    return text


def checkpoint_key(repo: str, direction: Direction, depth: int) -> str:
    return f"hf_hub:{direction}:{depth}:{repo.lower()}"


def _created(info: dict[str, Any]) -> dt.date | None:
    value = info.get("createdAt") or info.get("created_at")
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def model_props(info: dict[str, Any]) -> dict[str, Any]:
    """The Hub's facts about a repo, as Model fields (empty ones left out). The license is the
    card parser's (:func:`loaders.hf_cards.card_license`), as for card files."""
    props = {
        "downloads": info.get("downloads"),
        "likes": info.get("likes"),
        "pipeline_tag": info.get("pipeline_tag"),
        "library": info.get("library_name"),
        "sources": [Source.hf_hub],
    }
    return {k: v for k, v in props.items() if v not in (None, "")}


def hub_relations(info: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """``{lower-case base repo: (relation, repo)}`` from the repo's ``base_model:<rel>:<id>`` tags."""
    out: dict[str, tuple[str, str]] = {}
    for tag in info.get("tags") or []:
        m = _BASE_TAG.match(tag) if isinstance(tag, str) else None
        if m:
            out.setdefault(m.group(2).lower(), (m.group(1), m.group(2)))
    return out


def hub_edge(child: str, parent: str, relation: str, evidence: str, when: dt.date) -> Edge:
    prov = Provenance(source=Source.hf_hub, evidence=evidence, confidence=1.0, retrieved=when)
    return Edge(type=EdgeType.BUILDS_ON, source=child, target=parent, kind=RELATIONS[relation], provenance=[prov])


def apply_relations(
    plan: CardPlan, relations: dict[str, tuple[str, str]], index: dict[str, str], when: dt.date, *, add: bool
) -> None:
    """Set the kind of the plan's lineage edges to the Hub's relation (``{lower-case parent: (rel,
    evidence)}``), adding its provenance; with ``add`` (parents the crawl visited, so their nodes
    exist), a parent the card does not name gets its own edge."""
    by_target = {e.target: i for i, e in enumerate(plan.builds_on)}
    for parent_lower, (relation, evidence) in relations.items():
        target = index.get(parent_lower) or hf_model_id(parent_lower)
        if target == plan.model:
            continue
        edge = hub_edge(plan.model, target, relation, evidence, when)
        i = by_target.get(target)
        if i is None:
            if not add:
                continue
            plan.builds_on.append(edge)
            by_target[target] = len(plan.builds_on) - 1
        else:
            card_edge = plan.builds_on[i]
            plan.builds_on[i] = card_edge.model_copy(
                update={"kind": edge.kind, "provenance": [*card_edge.provenance, *edge.provenance]}
            )


@dataclass
class Crawl:
    """The crawl's state, saved as the checkpoint after each chunk: what is left to visit."""

    queue: list[tuple[str, int]]
    seen: set[str]  # lower-case repo ids queued or visited
    listed: dict[str, dict[str, tuple[str, str]]]  # child (lower) → {parent (lower): (relation, evidence)}
    visited: int = 0

    def dump(self) -> str:
        return json.dumps(
            {"queue": self.queue, "seen": sorted(self.seen), "listed": self.listed, "visited": self.visited}
        )

    @classmethod
    def load(cls, text: str) -> Crawl:
        data = json.loads(text)
        listed = {c: {p: (r, e) for p, (r, e) in ps.items()} for c, ps in data["listed"].items()}
        return cls([(r, d) for r, d in data["queue"]], set(data["seen"]), listed, data["visited"])


def crawl_plan(
    client: HubClient, repo: str, index: dict[str, str], listed: dict[str, tuple[str, str]], when: dt.date
) -> tuple[CardPlan, dict[str, Any], list[str]]:
    """``(plan, model props, bases named)`` for one repo; raises the client's errors."""
    info = client.info(repo)
    repo = info.get("id") or repo  # the Hub's spelling
    meta = info.get("cardData") if isinstance(info.get("cardData"), dict) else {}
    meta = with_hub_license(meta, info.get("tags"))
    created = _created(info)
    where = Path(f"{repo}/README.md")
    notes: list[str] = []
    card = Card(where, repo, dict(meta), "", bool(meta), created)
    if any(str(t).startswith("arxiv:") for t in info.get("tags") or []):
        try:
            card = read_card(where, repo, client.readme(repo), created)
        except CardError as exc:  # broken front matter: named; the Hub's card metadata still loads
            notes.append(str(exc))
        except Exception as exc:
            if not _is_hub_error(exc):
                raise
            if type(exc).__name__ != "RemoteEntryNotFoundError":  # no README: nothing more to read
                notes.append(f"{repo}: README {_why(exc)}; card metadata loaded, body links not read")
    try:
        plan = plan_card(card, index, when)
        bases = base_models(card)
    except CardError as exc:
        plan = CardPlan(Card(where, repo, {}, "", False, created), index.get(repo.lower()) or hf_model_id(repo))
        plan.failures.append(str(exc))
        bases = []
    tagged = hub_relations(info)
    by_tag = {low: (rel, f"Hub tag base_model:{rel}:{base} on {repo}") for low, (rel, base) in tagged.items()}
    apply_relations(plan, by_tag, index, when, add=False)
    apply_relations(plan, listed, index, when, add=True)
    plan.failures += notes
    return plan, model_props(info), list(dict.fromkeys([*bases, *(base for _, base in tagged.values())]))


def _is_hub_error(exc: Exception) -> bool:
    return type(exc).__module__.startswith("huggingface_hub") or isinstance(exc, HubError)


def _why(exc: Exception) -> str:
    """One line for a Hub error: what the Hub said, without the URL lines and hints."""
    name = type(exc).__name__
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if name == "GatedRepoError":
        return "gated (accept its terms on the Hub and set HF_TOKEN)"
    if name == "RepositoryNotFoundError":
        return "not found on the Hub (no such repo, or private)"
    if isinstance(exc, HubError):
        return str(exc).partition(": ")[2] or str(exc)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else name
    return f"{name}: {cut(first)}" + (f" (HTTP {status})" if status and str(status) not in first else "")


Progress = Callable[[int, int, str], None]  # (repos visited, bound, repo)


def load_hf_hub(
    store: GraphStore,
    repo_or_id: str,
    *,
    client: HubClient,
    direction: Direction = "down",
    depth: int = 3,
    max_models: int = 500,
    chunk: int = 50,
    batch_size: int = 5000,
    resume: bool = True,
    retrieved: dt.date | None = None,
    progress: Progress | None = None,
) -> HubReport:
    """Crawl the Hub's model tree from one repo and load it. Running it twice changes nothing.

    Each ``chunk`` repos are written through the card loader's writer, then the crawl's
    frontier is saved as the checkpoint (the data first: a crash between the two re-writes one
    chunk, which changes nothing). A finished crawl clears its checkpoint.
    """
    report = HubReport()
    root = start_repo(store, repo_or_id)
    key = checkpoint_key(root, direction, depth)
    mark = store.checkpoint(key) if resume else None
    if mark:
        crawl = Crawl.load(mark)
        report.notes.append(
            f"went on from the checkpoint of an unfinished crawl (interrupted, or stopped by --max-models): "
            f"{crawl.visited} repo(s) were visited before"
        )
    else:
        crawl = Crawl([(root, 0)], {root.lower()}, {})
    when = retrieved or dt.date.today()
    plans: list[CardPlan] = []
    props: dict[str, dict[str, Any]] = {}
    start_requests, start_cached = client.requests, client.cached
    index = hf_index(store)  # repo → node (curated checkpoints included); renewed after each chunk
    try:
        while crawl.queue and crawl.visited < max_models:
            repo, level = crawl.queue.pop(0)
            crawl.visited += 1
            report.repos += 1
            if progress:
                progress(crawl.visited, min(max_models, crawl.visited + len(crawl.queue)), repo)
            try:
                plan, facts, bases = crawl_plan(client, repo, index, crawl.listed.pop(repo.lower(), {}), when)
            except (HubError, CardError) as exc:
                report.failures.append(str(exc))
                continue
            except Exception as exc:
                if not _is_hub_error(exc):
                    raise
                report.failures.append(f"{repo}: {_why(exc)}")
                continue
            plans.append(plan)
            props[plan.model] = facts
            if level < depth:
                for parent_or_child, relation in _next(client, plan.card.repo_id, direction, bases, report):
                    if relation:
                        evidence = f"Hub model tree: listed under base_model:{relation}:{plan.card.repo_id}"
                        crawl.listed.setdefault(parent_or_child.lower(), {})[plan.card.repo_id.lower()] = (
                            relation,
                            evidence,
                        )
                    if parent_or_child.lower() not in crawl.seen:
                        crawl.seen.add(parent_or_child.lower())
                        crawl.queue.append((parent_or_child, level + 1))
            if len(plans) >= chunk:
                _write(store, plans, props, report, batch_size, key, crawl)
                plans, props, index = [], {}, hf_index(store)
        _write(store, plans, props, report, batch_size, key, crawl if crawl.queue else None)
    finally:
        report.requests += client.requests - start_requests
        report.cached += client.cached - start_cached
    if crawl.queue:
        report.notes.append(
            f"stopped at --max-models {max_models}: {len(crawl.queue)} repo(s) found but not visited "
            "(run again with a larger --max-models to go on)"
        )
    return report


def _next(
    client: HubClient, repo: str, direction: Direction, bases: list[str], report: HubReport
) -> Iterator[tuple[str, str | None]]:
    """``(repo, relation)`` to visit next: the children by relation (down) or the bases (up)."""
    if direction == "up":
        for base in bases:
            yield base, None
        return
    for relation in HUB_RELATIONS:
        try:
            children = client.children(repo, relation)
        except Exception as exc:
            if not _is_hub_error(exc):
                raise
            report.failures.append(f"{repo}: listing its {relation} children failed: {_why(exc)}")
            continue
        for child in children:
            if child.lower() != repo.lower():
                yield child, relation


def _write(
    store: GraphStore,
    plans: list[CardPlan],
    props: dict[str, dict[str, Any]],
    report: HubReport,
    batch_size: int,
    key: str,
    crawl: Crawl | None,
) -> None:
    """Write one chunk's plans, then the checkpoint (the frontier, or empty when the crawl is done)."""
    if plans:
        part = write_plans(store, plans, hf_index(store), SourceReport(), batch_size=batch_size, props=props)
        report += part
    store.write_batch(prepare_records([], checkpoint=(key, crawl.dump() if crawl else "")))
