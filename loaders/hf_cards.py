"""Model lineage from Hugging Face model cards: ``lineage load hf-cards DIR``.

A card is a repo's ``README.md``: YAML front matter between ``---`` lines, then Markdown.
What we read, and what it becomes:

* ``base_model`` (a repo id or a list of them) → ``BUILDS_ON`` edges model → base, with the
  kind from ``base_model_relation`` (``finetune``/``adapter``/``merge``/``quantized``) or, when
  the card has none, inferred (:func:`infer_relation`): ``quantized_from`` when the repo name or
  tags say GGUF/GPTQ/AWQ/EXL2/bnb/FP8/4-bit/``quantized``; ``adapter_of`` when the library or tags
  say ``peft``/``lora``; ``merged_from`` for a list of two or more bases or ``merge``/``mergekit``
  tags; else ``fine_tuned_from``. Provenance ``hf_card``, evidence
  ``base_model: X in owner/repo/README.md`` (plus how the kind was decided); confidence 1.0 when
  the card states the relation, 0.9 when inferred.
* an ``arxiv:NNNN`` tag (or an ``arxiv:`` key) → ``INTRODUCES`` paper → model, confidence 0.9.
  Only when the front matter names exactly one paper: a card tagged with several (the
  WizardLM-2 GGUF card lists the WizardLM, WizardCoder and WizardMath papers) does not say
  which introduced the model, so none is linked and the summary says so. A quantised repo is
  the same model in another format, so its paper edges go to its base model.
* ``datasets`` (a Hub dataset id or a list of them) → a ``Dataset`` node per entry, keyed by
  its Hub id (:func:`graph.ids.dataset_id`), and a ``TRAINED_ON`` edge model → dataset,
  confidence 1.0, evidence ``datasets: X in owner/repo/README.md``. An entry that is not a repo
  id is a failure naming the card; the card's other fields still load.
* ``tags`` naming a training method (:data:`METHOD_TAGS`: ``dpo``, ``sft``, ``lora``…) →
  ``BUILDS_ON`` kind ``uses_method`` to the curated method of that name (looked up by id key
  and aliases in the curated file; a tag with no curated method is left out and counted in the
  summary), confidence 1.0, evidence ``card tag 'dpo' in owner/repo/README.md``. The same word
  as a part of the repo name (``allenai/tulu-2-dpo-70b``) counts too, at confidence 0.8, when no
  tag says it. A quantised repo's datasets and methods are its base's, like its papers.
* ``license`` → the model's ``license``, as declared (lower case; a list comma-joined; with no
  ``license`` key, the Hub's ``license:X`` tags). ``license: other`` keeps ``other`` and records
  ``license_name`` in ``license_name``. What a base's license lets its derivatives declare is
  :mod:`graph.licenses`; a value that is not a license id is a failure naming the card.
* ``arxiv.org/abs|pdf/…`` links in the body → ``MENTIONS`` paper → model (confidence 0.6), only
  when the sentence presents the paper as the model's own ("the technical report", "our paper",
  "see paper", "details of this model", "Paper: …", "<repo name> Technical Report"): a card also
  links the methods, data sets and rivals it cites (DPO, YaRN, the Pile, GPT-4's report), and
  those papers neither introduce nor mention the model.

Nodes. A repo whose id is some stored node's ``hf_id`` (case-insensitive; curated models carry
theirs) is that node, and its properties are left alone. Any other repo is a Model keyed
:func:`hf_model_id` (``teknium/OpenHermes-2.5-Mistral-7B`` →
``model:hf.teknium.openhermes-2.5-mistral-7b``), named by its repo name, with ``hf_id`` set.
Papers named only by arXiv id become placeholders (:mod:`loaders.paper_nodes`); a dataset or
method not yet stored is written (a method with its curated name), and a stored one is left alone.

A crawl of the Hub's model tree (a ``.json`` file of ``{"models": [{model_id, card, metadata}]}``,
as in ``shared/data/hf_tree``) is read as the cards it holds; there ``metadata`` (a JSON text of
the repo's ``ModelInfo``) gives the repo's ``created_at``, which becomes the model's
``release_date`` (``date_source: hf_card``; see :mod:`graph.dates`). Plain card files have no
creation date.

Failures name the card: front matter that is not YAML or not a mapping, a ``base_model`` that is
not a repo id, an unknown ``base_model_relation``, a card whose base is itself, and a card whose
edges would close a cycle with the edges already loaded (the card's model still loads; its
lineage edges do not). A card whose file name (or manifest row) gives no repo id (``---.md``)
is reported and skipped whole. Everything else still loads. Cards without front matter give a
model node and nothing else. Front matter is read by :mod:`loaders.safe_yaml`: YAML aliases are
refused (seven levels of ``*g`` in 277 bytes stand for 4.8M strings) and nesting is bounded.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import ValidationError

from graph.dates import refresh_dates
from graph.ids import InvalidIdError, dataset_id, normalize_id
from graph.schema import BuildKind, Dataset, Edge, EdgeType, Method, Model, Provenance, Source
from graph.store import GraphStore, upsert
from loaders.paper_nodes import SourceReport, paper_record, stored_nodes
from loaders.safe_yaml import YamlInputError, load_data
from loaders.shown import cut, shown, validation_line

RELATIONS = {
    "finetune": BuildKind.fine_tuned_from,
    "adapter": BuildKind.adapter_of,
    "merge": BuildKind.merged_from,
    "quantized": BuildKind.quantized_from,
}
_QUANT = re.compile(r"(?:^|[-_.])(gguf|ggml|gptq|awq|exl2|bnb|fp8|int4|int8|[48]-?bit)(?:$|[-_.])", re.I)
_QUANT_TAGS = {"gguf", "ggml", "gptq", "awq", "exl2", "bnb", "fp8", "quantized", "4-bit", "8-bit", "4bit", "8bit"}
_ADAPTER_TAGS = {"peft", "lora", "qlora"}
_MERGE_TAGS = {"merge", "mergekit", "lazymergekit"}
NOT_CARDS = frozenset({"PROVENANCE.md"})
#: Card tags that name a training method. Each links to the curated method whose id key or an
#: alias is that word (``dpo`` → ``method:dpo``); the others are counted in the summary.
METHOD_TAGS = frozenset(
    {
        "dpo",
        "ipo",
        "kto",
        "orpo",
        "simpo",
        "cpo",
        "sft",
        "rlhf",
        "rlaif",
        "ppo",
        "lora",
        "qlora",
        "dora",
        "reward-model",
    }
)
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?$")
_ARXIV_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?arxiv\.org/(?:abs|pdf)/((?:\d{4}\.\d{4,5}|[a-z-]+/\d{7})(?:v\d+)?)", re.I
)
_ARXIV_AT = re.compile(r"arxiv\.org/(?:abs|pdf)/", re.I)  # where a link can be: found fast, then matched
_ARXIV_AT_LOWER = re.compile(r"arxiv\.org/(?:abs|pdf)/")
_SENTENCE_START = re.compile(r"[.!?]\s|\n\s*\n|\n\s*[-*#|>]|\|")
_OWN_PAPER = re.compile(
    r"\b(?:our|the|this)\s+technical\s+report\b|\b(?:our|this|the model'?s?)\s+(?:paper|preprint|report)\b"
    r"|\bsee\s+(?:the\s+)?paper\b"
    r"|\bread\s+(?:the|our)\s+(?:paper|preprint|report)\b|\bdetails\s+(?:about|of)\s+(?:this|the)\s+model\b"
    r"|\bresearch\s+paper\b|^\W*paper\s*:|\bfind\s+the\s+paper\b",
    re.I,
)
_NAMED_REPORT = re.compile(r"([A-Za-z][\w-]*)\s+(?:[\d.]+\s+)?technical\s+report\b", re.I)


# --- reading cards ----------------------------------------------------------------------------


@dataclass
class Card:
    path: Path
    repo_id: str
    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    has_front_matter: bool = False
    created: dt.date | None = None  # the repo's creation (a model-tree crawl records it)

    @property
    def where(self) -> str:
        return f"{self.repo_id}/README.md"


class CardError(ValueError):
    """A card that cannot be read; the message names the file (and line)."""


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """``(front matter or None, body, line where the body starts)``."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    at = start = len(lines[0])  # the lines are the text cut up: slices of it, not joins
    for i, line in enumerate(lines[1:], 1):
        if line.strip() == "---":
            return text[start:at], text[at + len(line) :], i + 2
        at += len(line)
    return None, text, 1  # an opening '---' with no closing one: Markdown, not front matter


def is_repo_id(repo_id: str) -> bool:
    """``owner/name`` or ``name``, each starting with a letter or digit (what the Hub accepts)."""
    return isinstance(repo_id, str) and bool(_REPO_ID.match(repo_id))


def read_card(path: str | Path, repo_id: str, text: str | None = None, created: dt.date | None = None) -> Card:
    """Parse one card (``text``, else the file's); raises :class:`CardError` naming ``file:line`` for bad front matter."""
    path = path if isinstance(path, Path) else Path(path)
    if not is_repo_id(repo_id):
        raise CardError(
            f"{path}: {shown(repo_id, 100)} is not a repo id (name a card owner__name.md or owner/name/README.md)"
        )
    if text is None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CardError(f"{path}: cannot read: {cut(str(exc))}") from None
    front, body, _ = split_front_matter(text)
    if front is None:
        return Card(path, repo_id, {}, text, False, created)
    try:
        meta = load_data(front, first_line=2)  # the opening '---' is line 1
    except YamlInputError as exc:
        line = f":{exc.line}" if exc.line else ""
        what = "front matter is not valid YAML" if exc.syntax else "front matter"
        raise CardError(f"{path}{line}: {what}: {exc.message}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise CardError(f"{path}:2: front matter must be a mapping, not {type(meta).__name__}")
    return Card(path, repo_id, meta, body, True, created)


_HUB_URL = re.compile(r"^https?://huggingface\.co/")


def read_tree(path: str | Path) -> list[tuple[Path, str, str, dt.date | None]]:
    """``(where, repo id, card text, created)`` for each repo of a model-tree crawl (see the
    module docstring); ``where`` is ``<file>#<repo id>``, for messages. A repo whose card the
    crawl did not get (``N/A``) is a card without front matter; unreadable metadata, no date."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CardError(f"{path}: not a model-tree crawl (JSON): {cut(str(exc))}") from None
    rows = data.get("models") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise CardError(f"{path}: a model-tree crawl is a JSON object with a 'models' list")
    out = []
    for i, row in enumerate(rows):
        repo = _HUB_URL.sub("", str(row.get("model_id") or "")) if isinstance(row, dict) else ""
        text = row.get("card") if isinstance(row, dict) and isinstance(row.get("card"), str) else ""
        out.append((Path(f"{path}#{repo or i}"), repo, "" if text == "N/A" else text, _created(row)))
    return out


def _created(row: Any) -> dt.date | None:
    """The ``created_at`` day in a crawl row's ``metadata`` (a JSON text), or None."""
    try:
        meta = json.loads(row["metadata"])
        return dt.date.fromisoformat(str(meta["created_at"])[:10])
    except (TypeError, KeyError, ValueError):
        return None


def read_manifest(path: str | Path) -> dict[str, str]:
    """``{file name: repo id}`` from a TSV with ``file`` and ``hf_repo_id`` columns."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = csv.DictReader(fh, delimiter="\t")
            if not rows.fieldnames or not {"file", "hf_repo_id"} <= set(rows.fieldnames):
                raise CardError(f"{path}:1: a manifest needs 'file' and 'hf_repo_id' columns")
            return {row["file"]: row["hf_repo_id"] for row in rows if row.get("file") and row.get("hf_repo_id")}
    except OSError as exc:
        raise CardError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise CardError(f"{path}: not UTF-8 text (byte offset {exc.start})") from None
    except csv.Error as exc:
        raise CardError(f"{path}: not a TSV manifest: {cut(str(exc))}") from None


def find_cards(directory: str | Path, manifest: str | Path | None = None) -> list[tuple[Path, str]]:
    """``(card path, repo id)`` for every card under ``directory``, sorted by path.

    With a manifest (given, or ``manifest.tsv`` inside the directory, or
    ``<directory>.manifest.tsv`` beside it) the cards are the files it lists, with its repo ids;
    a listed file that is missing is reported when read. Without one, every ``*.md`` except
    ``PROVENANCE.md`` is a card, its repo id taken from the layout: ``owner__name.md`` or
    ``owner/name/README.md``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CardError(f"{directory}: not a directory of model cards")
    if manifest is None:
        for candidate in (directory / "manifest.tsv", directory.with_name(directory.name + ".manifest.tsv")):
            if candidate.exists():
                manifest = candidate
                break
    if manifest:  # the manifest is the list of cards
        out = []
        for name, repo in read_manifest(manifest).items():
            out.append((directory / name, repo))
        return sorted(out)
    out = []
    for path in sorted(directory.rglob("*.md")):
        rel = path.relative_to(directory)
        if rel.name in NOT_CARDS:
            continue
        if rel.name.lower() == "readme.md" and len(rel.parts) >= 3:
            repo = "/".join(rel.parts[-3:-1])
        elif "__" in rel.stem:
            repo = rel.stem.replace("__", "/", 1)
        else:
            repo = rel.stem
        out.append((path, repo))
    return out


# --- ids and relations ------------------------------------------------------------------------


def hf_model_id(repo_id: str) -> str:
    """``owner/Name`` → ``model:hf.owner.name``.

    Lower case (the Hub resolves repo ids case-insensitively); characters outside
    ``[a-z0-9._-]`` become ``-``. ``hf.`` keeps these keys apart from curated slugs, and since
    Hub user and organisation names cannot contain ``.``, the first ``.`` after ``hf.``
    separates owner from name unambiguously.
    """
    slug = re.sub(r"[^a-z0-9._-]+", "-", repo_id.strip().lower().replace("/", ".")).strip("-")
    if not slug.strip("._-"):
        raise InvalidIdError(f"{shown(repo_id, 100)}: not a repo id (no letters or digits)")
    return normalize_id(f"model:hf.{slug}")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def infer_relation(card: Card, bases: list[str]) -> tuple[BuildKind, str]:
    """The kind of the card's base-model edges, and how it was decided (for the evidence)."""
    stated = card.meta.get("base_model_relation")
    if stated is not None:
        if not isinstance(stated, str) or stated not in RELATIONS:
            raise CardError(
                f"{card.path}: base_model_relation {shown(stated)} is not one of {', '.join(sorted(RELATIONS))}"
            )
        return RELATIONS[stated], f"base_model_relation: {stated}"
    tags = {t.strip().lower() for t in _strings(card.meta.get("tags"))}
    library = str(card.meta.get("library_name") or "").lower()
    name = card.repo_id.rsplit("/", 1)[-1]
    if match := _QUANT.search(name):
        return BuildKind.quantized_from, f"inferred: {match.group(1)} in the repo name"
    if found := tags & _QUANT_TAGS:
        return BuildKind.quantized_from, f"inferred: tag {sorted(found)[0]}"
    if library == "peft" or tags & _ADAPTER_TAGS:
        why = "library_name: peft" if library == "peft" else f"tag {sorted(tags & _ADAPTER_TAGS)[0]}"
        return BuildKind.adapter_of, f"inferred: {why}"
    if len(bases) > 1:
        return BuildKind.merged_from, "inferred: a list of base models"
    if found := tags & _MERGE_TAGS:
        return BuildKind.merged_from, f"inferred: tag {sorted(found)[0]}"
    return BuildKind.fine_tuned_from, "inferred: a single base model"


def base_models(card: Card) -> list[str]:
    """The card's ``base_model`` entries as written (a list keeps repeats: self-merges list one model 7 times)."""
    value = card.meta.get("base_model")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    bad = [v for v in items if not isinstance(v, str) or not _REPO_ID.match(v.strip())]
    if bad or not items:
        raise CardError(f"{card.path}: base_model {shown(value)} is not a repo id or a list of repo ids")
    return [v.strip() for v in items]


def arxiv_tags(card: Card) -> list[str]:
    """arXiv ids the front matter names (``tags: [arxiv:…]`` and an ``arxiv:`` key), canonical."""
    raw = [t.split(":", 1)[1] for t in _strings(card.meta.get("tags")) if t.lower().startswith("arxiv:")]
    key = card.meta.get("arxiv")
    raw += [str(v) for v in (key if isinstance(key, list) else [key]) if v is not None]
    out = []
    for item in raw:
        try:
            out.append(normalize_id("arxiv:" + item.strip()))
        except InvalidIdError:
            continue
    return list(dict.fromkeys(out))


def _arxiv_links(body: str) -> Iterator[re.Match[str]]:
    """``_ARXIV_LINK.finditer(body)``, 10x faster on real cards: the pattern's optional
    ``https://www.`` makes a scan try every position, so the literal ``arxiv.org/abs|pdf/`` is
    found first and the full pattern matched from the earliest start (at most 12 characters back)."""
    end = 0
    for hit in _link_starts(body):
        if hit.start() < end:
            continue
        for start in range(max(end, hit.start() - 12), hit.start() + 1):
            match = _ARXIV_LINK.match(body, start)
            if match and match.end() > hit.start():
                end = match.end()
                yield match
                break


def _link_starts(body: str) -> Iterator[re.Match[str]]:
    """``_ARXIV_AT.finditer(body)``, found in ``body.lower()`` by a case-sensitive search where
    that gives the same positions (twice as fast: an ignore-case pattern is tried at every
    position): each character lowers to one, and none of ``ı`` and ``ſ`` (which the ignore-case
    pattern takes for ``i`` and ``s``, and ``lower`` keeps) is there."""
    low = body.lower()
    if len(low) != len(body) or "ı" in body or "ſ" in body:
        return _ARXIV_AT.finditer(body)
    return _ARXIV_AT_LOWER.finditer(low)


def own_paper_links(card: Card) -> Iterator[tuple[str, str]]:
    """``(arxiv node id, sentence)`` for body links presented as the model's own paper.

    The sentence runs from the last sentence or list-item boundary before the link to the
    link's end. "<Name> Technical Report" counts only when Name is part of the repo name
    (Hermes-3-… citing the "Hermes 3 Technical Report", not a card quoting GPT-4's).
    """
    body = card.body
    repo_words = set(re.split(r"[^a-z0-9]+", card.repo_id.lower()))
    for match in _arxiv_links(body):
        window_start = max(match.start() - 300, 0)
        bounds = [m.end() for m in _SENTENCE_START.finditer(body, window_start, match.start())]
        start = bounds[-1] if bounds else window_start
        sentence = " ".join(re.sub(r"[\[\]*_`]+", " ", body[start : match.end()]).split())
        named = any(m.group(1).lower() in repo_words for m in _NAMED_REPORT.finditer(sentence))
        if not (named or _OWN_PAPER.search(sentence)):
            continue
        try:
            yield normalize_id("arxiv:" + match.group(1)), sentence
        except InvalidIdError:
            continue


# --- records ----------------------------------------------------------------------------------


@dataclass
class CardPlan:
    """What one card states, before the cycle check."""

    card: Card
    model: str
    builds_on: list[Edge] = field(default_factory=list)
    papers: list[Edge] = field(default_factory=list)
    trained_on: list[Edge] = field(default_factory=list)
    methods: list[Edge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unmatched_tags: list[str] = field(default_factory=list)
    license: str | None = None
    license_name: str | None = None


def hf_index(store: GraphStore) -> dict[str, str]:
    """``{lower-case repo id: node id}``: every stored model's ``hf_id`` and the official checkpoint
    repos curated models list (:func:`loaders.checkpoints.repo_index`), so a checkpoint is its model."""
    from loaders.checkpoints import repo_index

    return repo_index(store)


@lru_cache(maxsize=1)
def curated_methods() -> dict[str, tuple[str, str]]:
    """``{lower-case id key or alias: (method id, name)}`` of the curated file's methods."""
    from loaders.curated import read_curated  # the curated file is the list of known methods

    out: dict[str, tuple[str, str]] = {}
    for record in read_curated():
        if isinstance(record, Method):
            for word in (record.id.partition(":")[2], *record.aliases):
                out.setdefault(word.lower(), (record.id, record.name))
    return out


def card_datasets(card: Card) -> tuple[list[str], list[str]]:
    """``(dataset repo ids, failures)`` from the card's ``datasets`` field, in order, without repeats."""
    value = card.meta.get("datasets")
    if value is None:
        return [], []
    good: list[str] = []
    failures: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and is_repo_id(item.strip()):
            try:
                dataset_id(item.strip())
            except InvalidIdError:
                pass
            else:
                good.append(item.strip())
                continue
        failures.append(f"{card.path}: datasets entry {shown(item, 100)} is not a dataset repo id; it was skipped")
    return list(dict.fromkeys(good)), failures


def with_hub_license(meta: dict[str, Any], hub_tags: Any) -> dict[str, Any]:
    """Card metadata plus the Hub's ``license:X`` tags when the card declares no license: the
    Hub adds those tags from the card, so :func:`card_license` reads them as the card's (the
    live Hub loader and the card dump both use this)."""
    if "license" in meta or not isinstance(hub_tags, list):
        return meta
    licensed = [t for t in hub_tags if isinstance(t, str) and t.startswith("license:")]
    if not licensed:
        return meta
    own = meta.get("tags") if isinstance(meta.get("tags"), list) else []
    return {**meta, "tags": [*own, *licensed]}


def card_license(card: Card) -> tuple[str | None, str | None, list[str]]:
    """``(license, license_name, failures)`` the card declares (see the module docstring)."""
    value = card.meta.get("license")
    if value is None:  # the Hub's own tags repeat the card's license as license:X
        tagged = [t.split(":", 1)[1] for t in _strings(card.meta.get("tags")) if t.lower().startswith("license:")]
        value = tagged or None
    if value is None:
        return None, None, []
    items = value if isinstance(value, list) else [value]
    if not items or any(not isinstance(v, str) or not v.strip() or len(v) > 200 for v in items):
        return None, None, [f"{card.path}: license {shown(value, 100)} is not a license id or a list of them"]
    ids = [", ".join(" ".join(p.split()) for p in v.lower().split(",") if p.strip()) for v in items]
    declared = ", ".join(dict.fromkeys(i for i in ids if i)) or None
    name = card.meta.get("license_name")
    named = isinstance(name, str) and name.strip() and "other" in (declared or "").split(", ")
    return declared, " ".join(name.split()) if named else None, []


def method_words(card: Card) -> Iterator[tuple[str, str, float]]:
    """``(word, how the card says it, confidence)`` for each training method the card names:
    its tags first, then words of its repo name that no tag gave."""
    tags = [t.strip().lower() for t in _strings(card.meta.get("tags"))]
    seen: set[str] = set()
    for tag in tags:
        if tag in METHOD_TAGS and tag not in seen:
            seen.add(tag)
            yield tag, f"card tag {tag!r} in {card.where}", 1.0
    name = card.repo_id.rsplit("/", 1)[-1]
    for word in re.split(r"[-_.]+", name.lower()):
        if word in METHOD_TAGS and word not in seen:
            seen.add(word)
            yield word, f"repo name {card.repo_id!r} says {word!r} ({card.where})", 0.8


def plan_card(card: Card, index: dict[str, str], retrieved: dt.date) -> CardPlan:
    """Edges one card states (raises :class:`CardError` for bad fields)."""
    model = index.get(card.repo_id.lower()) or hf_model_id(card.repo_id)
    plan = CardPlan(card, model)
    bases = base_models(card)
    distinct = list(dict.fromkeys(bases))
    for base in distinct:
        if base.lower() == card.repo_id.lower():
            raise CardError(f"{card.path}: base_model {shown(base)} is the card's own repo")
    kind, how = infer_relation(card, bases) if bases else (None, "")
    for base in distinct:
        target = index.get(base.lower()) or hf_model_id(base)
        if target == model:
            raise CardError(
                f"{card.path}: base_model {shown(base)} is the same model as {shown(card.repo_id)} ({cut(model)})"
            )
        confidence = 1.0 if how.startswith("base_model_relation") else 0.9
        evidence = f"base_model: {base} in {card.where} ({how})"
        plan.builds_on.append(
            Edge(
                type=EdgeType.BUILDS_ON,
                source=model,
                target=target,
                kind=kind,
                provenance=[
                    Provenance(source=Source.hf_card, evidence=evidence, confidence=confidence, retrieved=retrieved)
                ],
            )
        )
    # A quantised repo is its base in another file format: the paper is about the base.
    about = plan.builds_on[0].target if kind is BuildKind.quantized_from and len(distinct) == 1 else model
    tagged = arxiv_tags(card)
    if len(tagged) == 1:
        evidence = f"arxiv:{tagged[0].partition(':')[2]} in the front matter of {card.where}"
        plan.papers.append(_paper_edge(EdgeType.INTRODUCES, tagged[0], about, evidence, 0.9, retrieved))
    elif tagged:
        plan.notes.append(
            f"{card.where}: {len(tagged)} arXiv tags ({', '.join(tagged)}); which one introduces the model "
            "is ambiguous, so none was linked"
        )
    for paper, sentence in own_paper_links(card):
        evidence = f'{card.where}: "{sentence[:300]}"'
        plan.papers.append(_paper_edge(EdgeType.MENTIONS, paper, about, evidence, 0.6, retrieved))
    datasets, plan.failures = card_datasets(card)
    plan.license, plan.license_name, bad_license = card_license(card)
    plan.failures += bad_license
    for repo in datasets:
        prov = Provenance(source=Source.hf_card, evidence=f"datasets: {repo} in {card.where}", retrieved=retrieved)
        plan.trained_on.append(Edge(type=EdgeType.TRAINED_ON, source=about, target=dataset_id(repo), provenance=[prov]))
    known = curated_methods()
    for word, how, confidence in method_words(card):
        if word not in known:
            plan.unmatched_tags.append(word)
            continue
        prov = Provenance(source=Source.hf_card, evidence=how, confidence=confidence, retrieved=retrieved)
        plan.methods.append(
            Edge(
                type=EdgeType.BUILDS_ON,
                source=about,
                target=known[word][0],
                kind=BuildKind.uses_method,
                provenance=[prov],
            )
        )
    return plan


def _paper_edge(etype: EdgeType, paper: str, model: str, evidence: str, conf: float, when: dt.date) -> Edge:
    prov = Provenance(source=Source.hf_card, evidence=evidence, confidence=conf, retrieved=when)
    return Edge(type=etype, source=paper, target=model, provenance=[prov])


def _names(plans: Iterable[CardPlan], index: dict[str, str]) -> dict[str, str]:
    """``{model id: repo id}`` for every model the cards name (the card's own repo wins)."""
    repos: dict[str, str] = {}
    for plan in plans:
        repos[plan.model] = plan.card.repo_id
    for plan in plans:
        for base in base_models(plan.card):
            repos.setdefault(index.get(base.lower()) or hf_model_id(base), base)
    return repos


def load_hf_cards(
    store: GraphStore,
    directory: str | Path,
    *,
    manifest: str | Path | None = None,
    batch_size: int = 5000,
    retrieved: dt.date | None = None,
) -> SourceReport:
    """Load every card under ``directory``. Running it twice changes nothing."""
    report = SourceReport()
    index = hf_index(store)
    plans: list[CardPlan] = []
    no_front_matter = 0
    if Path(directory).is_file() and Path(directory).suffix == ".json":
        found = read_tree(directory)
        crawled = dt.date.fromtimestamp(Path(directory).stat().st_mtime)
    else:
        found = [(path, repo, None, None) for path, repo in find_cards(directory, manifest)]
        crawled = None
    for path, repo, text, created in found:
        try:
            card = read_card(path, repo, text, created)
            when = retrieved or crawled or dt.date.fromtimestamp(path.stat().st_mtime)
            plans.append(plan_card(card, index, when))
        except (CardError, InvalidIdError, ValidationError, ValueError, TypeError) as exc:
            # One bad card never stops the others. CardError names the card; the rest get its path.
            message = str(exc) if isinstance(exc, CardError) else f"{path}: {_reason(exc)}"
            report.failures.append(message)
            if is_repo_id(repo) and (
                text is not None or path.is_file()
            ):  # the model loads when only its fields are bad
                with contextlib.suppress(InvalidIdError):
                    plans.append(CardPlan(Card(path, repo), index.get(repo.lower()) or hf_model_id(repo)))
            continue
        no_front_matter += not card.has_front_matter
    return write_plans(store, plans, index, report, batch_size=batch_size, no_front_matter=no_front_matter)


def write_plans(
    store: GraphStore,
    plans: list[CardPlan],
    index: dict[str, str],
    report: SourceReport,
    *,
    batch_size: int = 5000,
    no_front_matter: int = 0,
    props: dict[str, dict[str, Any]] | None = None,
) -> SourceReport:
    """Check the plans for cycles and write their models, datasets, methods, papers and edges.

    Shared by card files and the live Hub (:mod:`loaders.hf_hub`), so both give the same graph;
    ``props`` adds fields to a ``model:hf.*`` node (the Hub's downloads, likes, source)."""
    for plan in plans:
        report.failures += plan.failures
    # Cycle check, in file order, against the lineage already stored among these models.
    repos = _names(plans, index)
    graph = nx.DiGraph()
    for edge in store.edges_among(list(repos), ["BUILDS_ON"]):
        graph.add_edge(edge["source"], edge["target"])
    edges: list[Edge] = []
    for plan in plans:
        new = [(e.source, e.target) for e in plan.builds_on if not graph.has_edge(e.source, e.target)]
        graph.add_edges_from(new)
        if new and not nx.is_directed_acyclic_graph(graph):
            graph.remove_edges_from(new)
            loop = nx.find_cycle(_with(graph, new), plan.model)
            cycle = cut(" -> ".join([u for u, _ in loop] + [loop[0][0]]), 300)
            report.failures.append(
                f"{plan.card.path}: base_model would close a lineage cycle ({cycle}); its lineage edges were not loaded"
            )
            continue
        edges += plan.builds_on + plan.papers + plan.trained_on + plan.methods
        report.notes += plan.notes

    # One statement per edge: the first card that states it is its evidence (the store would
    # otherwise keep the last, since it merges provenance by source).
    edges = list({e.key: e for e in reversed(edges)}.values())[::-1]
    datasets = {e.target: plan_repo for e, plan_repo in _dataset_repos(plans)}
    methods = sorted({e.target for plan in plans for e in plan.methods})
    papers = [e.source for e in edges if e.source.startswith("arxiv:")]
    stored = stored_nodes(store, [*repos, *papers, *datasets, *methods])
    nodes: list[Any] = []
    created_on = {plan.model: plan.card.created for plan in plans if plan.card.created}
    licensed = {plan.model: (plan.license, plan.license_name) for plan in plans if plan.license}
    for model, repo in repos.items():
        if model in stored and not model.startswith("model:hf."):
            report.nodes_unchanged += 1  # a curated (or otherwise keyed) model: its properties are not ours
            continue
        created = created_on.get(model)
        lic, lic_name = licensed.get(model, (None, None))
        fields = {
            "name": repo.rsplit("/", 1)[-1],
            "hf_id": repo,
            "release_date": created,
            "license": lic,
            "license_name": lic_name,
            "sources": [Source.hf_card],
        }
        hub = {k: v for k, v in (props or {}).get(model, {}).items() if v is not None}  # the Hub's own values
        nodes.append(Model(id=model, **{**fields, **hub}))
    names = {node_id: name for node_id, name in curated_methods().values()}
    for node_id in [*datasets, *methods]:
        if node_id in stored:
            report.nodes_unchanged += 1  # its name and properties are not ours to change
        elif node_id in datasets:
            repo = datasets[node_id]
            nodes.append(Dataset(id=node_id, name=repo, hf_id=repo, sources=[Source.hf_card]))
        else:
            nodes.append(Method(id=node_id, name=names[node_id], sources=[Source.hf_card]))
    for paper in dict.fromkeys(e.source for e in edges if e.type in (EdgeType.INTRODUCES, EdgeType.MENTIONS)):
        record = paper_record(paper, Source.hf_card, stored)
        if record is None:
            report.nodes_unchanged += 1
        else:
            nodes.append(record)
    unmatched = Counter(word for plan in plans for word in plan.unmatched_tags)
    if unmatched:
        listed = ", ".join(f"{w} ({n})" for w, n in sorted(unmatched.items()))
        report.notes.append(f"training-method tags with no curated method, not linked: {listed}")
    if no_front_matter:
        report.notes.append(f"{no_front_matter} card(s) without front matter: model node only")
    report += upsert(store, [*nodes, *edges], batch_size=batch_size)
    report += refresh_dates(store)  # a tagged paper may date the model (graph/dates.py)
    return report


def _dataset_repos(plans: Iterable[CardPlan]) -> Iterator[tuple[Edge, str]]:
    """Each card's ``TRAINED_ON`` edges with the repo id as the card wrote it (the node's name)."""
    for plan in plans:
        repos, _ = card_datasets(plan.card)
        by_id = {dataset_id(r): r for r in repos}
        for edge in plan.trained_on:
            yield edge, by_id[edge.target]


def _reason(exc: Exception) -> str:
    """One short line for an error that is not a :class:`CardError`."""
    if isinstance(exc, ValidationError):
        return validation_line(exc.errors()[0])
    return cut(str(exc)) or type(exc).__name__


def _with(graph: nx.DiGraph, edges: list[tuple[str, str]]) -> nx.DiGraph:
    copy = graph.copy()
    copy.add_edges_from(edges)
    return copy
