"""What a base model's license lets its derivatives declare: the table behind ``license-drift``.

A model carries the license its card declares (``Model.license``, as written, lower case; a list
is comma-joined; ``other`` keeps its ``license_name`` beside it). Here those spellings are
normalised (``Llama 2 Community License``, ``llama-2`` and ``llama2`` are one id) and judged
against the licenses of the models a derivative is built from.

The table is deliberately small: a license is either *sticky* (its derivatives must stay under
it, or under one of a few named licenses), *permissive* (derivatives may use almost any terms),
or not in the table (nothing is judged against it). Each rule says why, with its source. This is
a reading of each license's redistribution clause to flag cards worth a second look; it is not
legal advice, and a card may well be right where the table is blunt.

Statuses of a derivative (:func:`judge`): ``drift`` (an ancestor's license refuses what it
declares), ``ok`` (every ancestor with a rule allows it), ``undeclared`` (it declares nothing:
reported apart, never drift), ``unchecked`` (no ancestor on its path declares a license the
table knows).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

#: License ids the Hub accepts in a card's ``license:`` field (those this table or its users
#: meet). Source: https://huggingface.co/docs/hub/repositories-licenses
HUB_IDS: tuple[str, ...] = (
    "apache-2.0", "mit", "openrail", "openrail++", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd",
    "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "cc0-1.0", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0",
    "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0",
    "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "wtfpl",
    "ecl-2.0", "epl-2.0", "agpl-3.0", "gpl-2.0", "gpl-3.0", "lgpl-2.1", "lgpl-3.0", "isc", "mpl-2.0",
    "postgresql", "unlicense", "zlib", "llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "gemma",
    "unknown", "other",
)  # fmt: skip
#: Other spellings cards use for the same ids (compared with case, spaces and dashes removed).
SPELLINGS: dict[str, str] = {
    "apache2": "apache-2.0",
    "apachelicense2.0": "apache-2.0",
    "apachelicenseversion2.0": "apache-2.0",
    "mitlicense": "mit",
    "llama2communitylicense": "llama2",
    "llama2communitylicenseagreement": "llama2",
    "metallama2communitylicense": "llama2",
    "llama3communitylicense": "llama3",
    "llama3.1communitylicense": "llama3.1",
    "gemmatermsofuse": "gemma",
}
#: The ids that say nothing checkable: a custom license (``license_name`` names it) or none known.
OPAQUE = frozenset({"other", "unknown"})


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9.+]+", "", text.lower())


_BY_KEY: dict[str, str] = {_key(i): i for i in HUB_IDS} | SPELLINGS


def normalise(text: str | None) -> str | None:
    """One license id for a spelling (``Llama 2 Community License`` → ``llama2``); an unknown
    spelling stays as written, lower case; empty → None."""
    if text is None or not str(text).strip():
        return None
    return _BY_KEY.get(_key(str(text)), " ".join(str(text).lower().split()))


def licenses_of(declared: str | None, name: str | None = None) -> list[str]:
    """The normalised ids a stored ``license`` (comma-joined for a list) stands for; ``other``
    with a ``license_name`` the table knows (``other`` + ``gemma-terms-of-use``) is that id."""
    out = []
    for part in (declared or "").split(","):
        lic = normalise(part)
        if lic == "other" and name and normalise(name) in RULES:
            lic = normalise(name)
        if lic:
            out.append(lic)
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Rule:
    """What derivatives of a model under ``title`` may declare, and why (``source`` is the clause)."""

    title: str
    allows: frozenset[str] | None  # None: permissive, anything but an opaque id
    why: str
    source: str

    def allowed(self, lic: str) -> bool:
        return lic not in OPAQUE if self.allows is None else lic in self.allows


_OPENRAIL = frozenset(
    {"openrail", "openrail++", "creativeml-openrail-m", "bigscience-openrail-m", "bigcode-openrail-m"}
)
_PERMISSIVE_WHY = (
    "lets derivatives carry other terms, but a card declaring 'other' or 'unknown' does not say which "
    "(a quantisation or conversion is the base's own weights, under the base's terms)"
)


def _permissive(title: str, source: str) -> Rule:
    return Rule(title, None, _PERMISSIVE_WHY, source)


RULES: dict[str, Rule] = {
    # §1.b.i: whoever distributes the Llama Materials "or any derivative works thereof" must pass
    # on a copy of this Agreement; §1.b.iv: use must follow the Acceptable Use Policy; §2: the
    # 700M monthly-active-users clause. A derivative stays under the agreement.
    "llama2": Rule(
        "the Llama 2 Community License",
        frozenset({"llama2"}),
        "keeps governing derivative works (they are redistributed with the agreement and its acceptable "
        "use policy, §1.b.i and §1.b.iv), so a derivative cannot be offered under other terms",
        "https://ai.meta.com/llama/license/",
    ),
    # Llama 3 and 3.x: §1.b.i, as Llama 2, plus "Built with Meta Llama 3" and a name starting "Llama 3".
    "llama3": Rule(
        "the Meta Llama 3 Community License",
        frozenset({"llama3"}),
        "keeps governing derivative works (§1.b.i: distribute them with a copy of the agreement)",
        "https://llama.meta.com/llama3/license/",
    ),
    "llama3.1": Rule(
        "the Llama 3.1 Community License",
        frozenset({"llama3.1"}),
        "keeps governing derivative works (§1.b.i: distribute them with a copy of the agreement)",
        "https://llama.meta.com/llama3_1/license/",
    ),
    # Gemma Terms of Use §3.1: distributing a Model Derivative must carry the §3.2 use restrictions
    # and a copy of the agreement.
    "gemma": Rule(
        "the Gemma Terms of Use",
        frozenset({"gemma"}),
        "bind model derivatives to the same use restrictions and agreement (§3.1)",
        "https://ai.google.dev/gemma/terms",
    ),
    # CC BY-SA 4.0 §3(b)(1): adapted material is licensed under BY-SA (same or later version).
    "cc-by-sa-4.0": Rule(
        "CC BY-SA 4.0",
        frozenset({"cc-by-sa-4.0"}),
        "requires adaptations to be shared under the same license (ShareAlike, §3(b))",
        "https://creativecommons.org/licenses/by-sa/4.0/legalcode.en#s3b",
    ),
    # CC BY-NC 4.0 §3(a)(4) with §1(i): an adapter's license may not stop recipients complying with
    # the NonCommercial condition, so a derivative cannot be offered for commercial use.
    "cc-by-nc-4.0": Rule(
        "CC BY-NC 4.0",
        frozenset({"cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nc-nd-4.0"}),
        "forbids commercial use of adaptations too (§3(a)(4)), so a derivative stays non-commercial",
        "https://creativecommons.org/licenses/by-nc/4.0/legalcode.en#s3a",
    ),
    "cc-by-nc-sa-4.0": Rule(
        "CC BY-NC-SA 4.0",
        frozenset({"cc-by-nc-sa-4.0"}),
        "requires adaptations to be shared non-commercially under the same license (§3(b))",
        "https://creativecommons.org/licenses/by-nc-sa/4.0/legalcode.en#s3b",
    ),
    # OpenRAIL-M §4(a) (III.4 in CreativeML's): the use-based restrictions "MUST be included as an
    # enforceable provision" in any license governing Derivatives of the Model.
    **{
        lic: Rule(
            lic,
            _OPENRAIL,
            "requires its use-based restrictions in the license of every derivative (§4(a)), "
            "which an OSI-style license does not carry",
            "https://huggingface.co/spaces/CompVis/stable-diffusion-license",
        )
        for lic in sorted(_OPENRAIL)
    },
    # GPL-3.0 §5(c): a modified work is licensed as a whole under this License.
    "gpl-3.0": Rule(
        "GPL-3.0",
        frozenset({"gpl-3.0", "agpl-3.0"}),
        "requires a modified work to be licensed as a whole under the GPL (§5(c))",
        "https://www.gnu.org/licenses/gpl-3.0.html#section5",
    ),
    "agpl-3.0": Rule(
        "AGPL-3.0",
        frozenset({"agpl-3.0"}),
        "requires a modified work to be licensed as a whole under the AGPL (§5(c))",
        "https://www.gnu.org/licenses/agpl-3.0.html#section5",
    ),
    # Permissive: MIT grants the right "to ... sublicense"; Apache-2.0 §4 lets a modification carry
    # "additional or different license terms"; BSD/ISC/zlib/CC BY/CC0 likewise only ask for notices.
    "mit": _permissive("MIT", "https://opensource.org/license/mit"),
    "apache-2.0": _permissive("Apache-2.0", "https://www.apache.org/licenses/LICENSE-2.0#redistribution"),
    "bsd-2-clause": _permissive("BSD-2-Clause", "https://opensource.org/license/bsd-2-clause"),
    "bsd-3-clause": _permissive("BSD-3-Clause", "https://opensource.org/license/bsd-3-clause"),
    "isc": _permissive("ISC", "https://opensource.org/license/isc-license-txt"),
    "zlib": _permissive("zlib", "https://opensource.org/license/zlib"),
    "unlicense": _permissive("the Unlicense", "https://unlicense.org/"),
    "wtfpl": _permissive("WTFPL", "http://www.wtfpl.net/about/"),
    "cc0-1.0": _permissive("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/legalcode.en"),
    "cc-by-4.0": _permissive("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/legalcode.en#s3a"),
}


@dataclass(frozen=True)
class Verdict:
    """How a derivative's declared license stands against the licenses above it."""

    status: str  # drift | ok | undeclared | unchecked
    why: str
    base: str | None = None  # the ancestor whose license decided it


def shown_license(declared: str | None, name: str | None = None) -> str:
    """``other (nvidia-open-model-license)`` for messages and tooltips; ``undeclared`` for none."""
    if not declared:
        return "undeclared"
    return f"{declared} ({name})" if name and "other" in licenses_of(declared) else declared


def judge(declared: str | None, name: str | None, ancestors: Sequence[tuple[str, str | None, str | None]]) -> Verdict:
    """The verdict for a model declaring ``declared`` (``name`` when ``other``), built from
    ``ancestors`` ``(id, license, license_name)`` nearest first. The nearest ancestor whose rule
    refuses it decides a drift; one whose rule allows it makes it ``ok`` unless a farther one refuses."""
    mine = licenses_of(declared, name)
    checked: Verdict | None = None
    for ancestor, lic, lic_name in ancestors:
        rules = [(b, RULES[b]) for b in licenses_of(lic, lic_name) if b in RULES]
        if not rules:
            continue
        if not mine:
            first = rules[0][1]
            why = f"declares no license; {ancestor} is under {first.title}, which {first.why}"
            return Verdict("undeclared", why, ancestor)
        if any(rule.allowed(d) for _, rule in rules for d in mine):
            checked = checked or Verdict(
                "ok", f"{ancestor} ({shown_license(lic, lic_name)}) allows {declared}", ancestor
            )
            continue
        first = rules[0][1]
        why = (
            f"declares {shown_license(declared, name)} but builds on {ancestor}, under {first.title}, "
            f"which {first.why} ({first.source})"
        )
        return Verdict("drift", why, ancestor)
    if checked:
        return checked
    if not mine:
        return Verdict("undeclared", "declares no license")
    return Verdict("unchecked", "no model it builds on declares a license the table knows")


#: Builds-on kinds that make a model a derivative of another (what the licenses follow).
DERIVATION_KINDS: tuple[str, ...] = (
    "fine_tuned_from",
    "adapter_of",
    "merged_from",
    "quantized_from",
    "variant_of",
    "distilled_from",
    "derived_from",
)


def drifting(graph: nx.MultiDiGraph, ids: Iterable[str] | None = None) -> dict[str, Verdict]:
    """``{model id: drift verdict}`` for the models of ``graph`` (those in ``ids``) whose declared
    license the licenses of their ancestors *in the graph* refuse (nearest first, breadth first
    along derivation edges): what a drawing of any subgraph can mark without asking the store."""
    out: dict[str, Verdict] = {}
    for node in graph.nodes if ids is None else ids:
        attrs = graph.nodes[node]
        if attrs.get("label") != "Model" or not attrs.get("license"):
            continue
        chain, seen, frontier = [], {node}, [node]
        while frontier:
            step = []
            for current in frontier:
                for _, base, data in graph.out_edges(current, data=True):
                    if data.get("type") == "BUILDS_ON" and data.get("kind") in DERIVATION_KINDS and base not in seen:
                        seen.add(base)
                        step.append(base)
                        up = graph.nodes[base]
                        chain.append((base, up.get("license"), up.get("license_name")))
            frontier = step
        verdict = judge(attrs["license"], attrs.get("license_name"), chain)
        if verdict.status == "drift":
            out[node] = verdict
    return out
