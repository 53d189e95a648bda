"""Identifier normalisation: the one place where node ids are parsed and made canonical.

Every node id is ``<prefix>:<key>``. Papers use ``arxiv:`` (no version suffix), ``doi:`` or
``s2:``; models ``model:``; methods ``method:``; authors ``author:``; datasets ``dataset:``, keyed
by their Hugging Face Hub id, lower-cased (``dataset:huggingfaceh4/ultrachat_200k``), or by a slug
when they have none (``dataset:sa-1b``). Loaders, the CLI and the HTTP API all pass user input
through :func:`normalize_id` so that ``arXiv:2310.06825v2``, ``https://arxiv.org/abs/2310.06825``
and ``10.48550/arXiv.2310.06825`` are the same paper.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

NEW_ARXIV = re.compile(r"^(\d{4}\.\d{4,5})([vV]\d+)?$")
# Archives are matched in any case and then lower-cased (``HEP-TH/9901001`` is ``hep-th/9901001``).
OLD_ARXIV = re.compile(r"^([a-z][a-z-]*(?:\.[a-z]{2})?)/(\d{7})([vV]\d+)?$", re.I)
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
#: A dataset key: a Hub id (``owner/name`` or a legacy ``name``), lower case.
DATASET_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)?$")
PREFIXES = ("arxiv", "doi", "s2", "model", "method", "author", "dataset")
LABEL_BY_PREFIX = {
    "arxiv": "Paper",
    "doi": "Paper",
    "s2": "Paper",
    "model": "Model",
    "method": "Method",
    "author": "Author",
    "dataset": "Dataset",
}

_ARXIV_URL = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?/?$", re.I)
_ARXIV_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/)?10\.48550/arxiv\.(.+)$", re.I)


class InvalidIdError(ValueError):
    """An identifier that cannot be normalised; the message names the input."""


def parse_arxiv_id(raw: str) -> tuple[str, int | None]:
    """Return ``(canonical arXiv id without version, version or None)``.

    Accepts ``2310.06825``, ``2310.06825v2``, ``arXiv:2310.06825``, abs/pdf URLs,
    ``10.48550/arXiv.2310.06825`` (also with ``doi:`` or a doi.org URL) and old-style ``hep-th/9901001``.
    """
    text = raw.strip()
    if text[:4].lower() == "doi:":  # ``doi:10.48550/arXiv.…``, as normalize_id accepts it
        text = text[4:].strip()
    for pattern in (_ARXIV_URL, _ARXIV_DOI):
        match = pattern.match(text)
        if match:
            text = match.group(1)
            break
    if text.lower().startswith("arxiv:"):
        text = text[len("arxiv:") :]
    match = NEW_ARXIV.match(text)
    if match:
        version = match.group(2)
        return match.group(1), int(version[1:]) if version else None
    match = OLD_ARXIV.match(text)
    if match:
        archive = match.group(1)
        # Subject classes keep their case (math.AG); archives are lower case.
        if "." in archive:
            head, sub = archive.split(".", 1)
            archive = f"{head.lower()}.{sub.upper()}"
        else:
            archive = archive.lower()
        version = match.group(3)
        return f"{archive}/{match.group(2)}", int(version[1:]) if version else None
    raise InvalidIdError(f"not an arXiv identifier: {raw!r}")


def arxiv_node_id(raw: str) -> str:
    """``'arXiv:2310.06825v2'`` → ``'arxiv:2310.06825'``."""
    return "arxiv:" + parse_arxiv_id(raw)[0]


def slugify(text: str) -> str:
    """Lower-case ASCII slug used for model, method and author keys."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9.]+", "-", ascii_text.lower()).strip("-.")
    if not slug:
        raise InvalidIdError(f"cannot make an id from {text!r}")
    return slug


@lru_cache(maxsize=65536)
def author_id(name: str) -> str:
    """Authors are keyed by their normalised name (arXiv has no author ids). Cached: names repeat."""
    return "author:" + slugify(name)


def normalize_id(raw: str) -> str:
    """Canonical node id for any accepted spelling; raises :class:`InvalidIdError`."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidIdError(f"empty identifier: {raw!r}")
    text = raw.strip()
    prefix, sep, rest = text.partition(":")
    prefix_l = prefix.lower()
    if sep and prefix_l in ("model", "method", "author"):
        rest = rest.lower()  # keys are lower-case slugs: model:Zephyr-7B is model:zephyr-7b
        if not SLUG.match(rest):
            raise InvalidIdError(f"{raw!r}: key after '{prefix_l}:' must match [a-z0-9][a-z0-9._-]*")
        return f"{prefix_l}:{rest}"
    if sep and prefix_l == "dataset":
        rest = rest.strip().lower()  # the Hub resolves repo ids case-insensitively
        if not DATASET_KEY.match(rest):
            raise InvalidIdError(f"{raw!r}: key after 'dataset:' must be a Hub id (owner/name) or a slug")
        return f"dataset:{rest}"
    if sep and prefix_l == "doi":
        doi = rest.strip().lower()
        if not doi.startswith("10."):
            raise InvalidIdError(f"{raw!r}: a DOI starts with '10.'")
        if _ARXIV_DOI.match(doi):
            return arxiv_node_id(doi)
        return "doi:" + doi
    if sep and prefix_l == "s2":
        if not re.fullmatch(r"[0-9a-f]{40}|\d+", rest):
            raise InvalidIdError(f"{raw!r}: an s2 id is a 40-hex paperId or a numeric CorpusId")
        return "s2:" + rest
    if _ARXIV_DOI.match(text):
        return arxiv_node_id(text)
    if text.lower().startswith("10."):
        return "doi:" + text.lower()
    return arxiv_node_id(text)


def dataset_id(hub_id: str) -> str:
    """A Hub dataset repo id → its node id: ``HuggingFaceH4/ultrachat_200k`` → ``dataset:huggingfaceh4/ultrachat_200k``."""
    return normalize_id("dataset:" + hub_id)


def label_of(node_id: str) -> str:
    """The node label implied by a canonical id's prefix."""
    prefix = node_id.partition(":")[0]
    try:
        return LABEL_BY_PREFIX[prefix]
    except KeyError:
        raise InvalidIdError(f"unknown id prefix in {node_id!r}; expected one of {', '.join(PREFIXES)}") from None
