"""Mentions of models and methods in text: ``lineage extract mentions``.

An alias gazetteer (:class:`Gazetteer`) is built from the Model and Method nodes in the store:
every name and alias, matched separator- and (where safe) case-insensitively, so that one alias
``Llama 2`` also finds ``LLaMA 2``, ``Llama-2``, ``Llama2`` and ``Llama-2-70B``. Text is split into
tokens (runs of Latin letters, numbers such as ``3.5``, Greek runs, single CJK characters); an
alias matches a run of tokens separated by nothing, a space or a hyphen, and the longest
accepted match wins.

Case and context rules keep ordinary words out:

* aliases with a number (``GPT-4``, ``Mistral 7B``, ``phi-2``, ``Orca 2``) match in any case;
  two-character codes (``T5``, ``S4``) only as written and in machine-learning context;
* all-capital acronyms (``DPO``, ``RLHF``, ``LIMA``, ``SAM``) only in capitals; those with other
  common meanings (``SAM``, ``SVD``, ``MAE``, ``APE``, ``SWA``, ``GQA``, ``ICL``, ``SSM``, ``ROME``,
  ``DIVERSE``…) also need machine-learning context;
* mixed-case names (``LLaMA``, ``ChatGPT``, ``QLoRA``, ``PaLM``) match as written or in capitals;
  written as a plain capitalised word (``Llama``, ``Palm``) they count as the next kind;
* single capitalised words that are also English words or names (``Mistral`` the wind, ``Orca``
  the whale, ``Alpaca``, ``Mamba``, ``Gemini``, ``Transformer``) must be capitalised and be
  followed by a version or size (``Mistral 7B``) or stand near model words (model, LLM,
  fine-tuned, parameters, 模型…); ``phi`` is never a name on its own (only ``phi-1``, ``phi-2``…);
* multi-word phrases (``direct preference optimization``, ``mixture of experts``) need
  machine-learning words nearby, so that a physicist's "diffusion model" is not the ML one;
* a match glued to more letters (``GPT-4o``), inside a hyphenated compound
  (``OpenHermes-2.5-Mistral-7B`` names another model), after ``\\`` (TeX ``\\phi``) or in a URL
  does not count.

Each match becomes a ``MENTIONS`` edge paper → model/method (provenance ``extracted``, evidence the
matched span in its context, the rule's confidence) for titles and abstracts of the papers in
the store. Phrases such as "fine-tuned from X", "a fine-tuned version of X", "we
extend X", "distilled from X", "X is based on Y" before a match give candidate ``BUILDS_ON`` edges, also
``extracted`` and with low confidence, from the card's model (``--cards DIR``), the model named
earlier in the sentence, or the paper. The store merges provenance by source, so a candidate
that repeats a curated edge only adds an ``extracted`` entry beside the curated one; it never
replaces it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.schema import BuildKind, Edge, EdgeType, Provenance, Source
from graph.store import GraphStore, upsert
from loaders.hf_cards import CardError, find_cards, hf_index, hf_model_id, read_card
from loaders.paper_nodes import SourceReport, is_placeholder

_TOKEN = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)*|[\u0370-\u03ff]+|[\u3400-\u4dbf\u4e00-\u9fff]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_JOINERS = frozenset({"", " ", "-", "_", "\u00a0", "\u2011"})  # "_": Hub repo names (openchat_3.5)
_URL = re.compile(r"https?://\S+|www\.\S+|\]\([^)\s]*\)")
_SUFFIX = re.compile(r"^[ \-]?(?:v?\d+(?:\.\d+)*(?:[ \-]?[BMKbmk]\b)?|\d+x\d+[Bb])")
#: Acronyms with common meanings outside ML (singular value decomposition, mean absolute error…).
AMBIGUOUS_ACRONYMS = frozenset(
    {"SAM", "SVD", "MAE", "APE", "SWA", "GQA", "ICL", "SSM", "ROME", "DIVERSE", "MLM", "MHA", "LDM", "CLIP", "LIMA"}
    | {"SOLAR", "TIES"}
)
#: Words after a capitalised name that make it an organisation, not a model ("Mistral AI").
_ORG_WORDS = frozenset({"ai", "research", "labs", "inc"})
#: Words after a model's name that make the phrase something named after the model (its data set,
#: benchmark, team, licence, tool or prompt format), not the model: "the Alpaca data", "the Vicuna
#: test set", "the Mistral team", "the Llama 2 Community License".
_NAMED_AFTER = re.compile(
    r"(?i)^[ \-]?(?:data(?:sets?)?\b|data ?sets?\b|benchmarks?\b|corpus\b|corpora\b|eval(?:uation)?(?: set)?\b|test ?set\b"
    r"|team\b|authors\b|community\b|licen[cs]e\b|factory\b|leaderboard\b|formats?\b|templates?\b"
    r"|prompt (?:format|template)\b|style\b|repo(?:sitory)?\b|library\b|package\b|api\b)"
)
#: A licence field right before a name: "**License:** llama 2" names the licence, not the model.
_LICENCE_BEFORE = re.compile(r"(?i)licen[cs]e\W{0,6}$")
#: Words after "Name-" that keep it the same model: "Mistral-7B-Instruct", "Llama-2-7b-hf",
#: "gpt-3.5-turbo". Any other capitalised word ("Llama-2-7B-DMC", "Mistral-7B-OpenOrca",
#: "GPT4-LLM") makes a longer name: another model, data set or tool.
_SAME_MODEL_WORDS = frozenset(
    {"chat", "instruct", "instruction", "base", "hf", "turbo", "it", "preview", "v", "pretrained", "pretrain"}
    | {"gguf", "ggml", "gptq", "awq", "exl2", "fp16", "bf16", "int4", "int8", "hqq", "onnx", "mlx", "bnb"}
)
#: Words that may sit between capitalised words without making one long name.
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "like",
        "may",
        "might",
        "more",
        "most",
        "not",
        "of",
        "on",
        "or",
        "our",
        "should",
        "than",
        "that",
        "the",
        "their",
        "then",
        "these",
        "this",
        "to",
        "us",
        "using",
        "via",
        "vs",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "without",
        "would",
    ]
)
#: Organisations that prefix a model's name without making another model ("Meta Llama 2").
_ORG_PREFIXES = frozenset(
    [
        "openai",
        "google",
        "meta",
        "microsoft",
        "anthropic",
        "deepmind",
        "nvidia",
        "mistral",
        "stanford",
        "alibaba",
        "amazon",
        "apple",
        "ibm",
        "hugging",
        "huggingface",
        "face",
        "baidu",
        "tencent",
        "bytedance",
        "deepseek",
        "allenai",
        "ai2",
        "eleutherai",
        "stability",
        "tii",
        "upstage",
        "nous",
        "lmsys",
        "cohere",
        "salesforce",
    ]
)
#: The Hugging Face ``transformers`` library, not the Transformer: "the Transformers library",
#: "pip install transformers", "transformers>=4.40", "Sentence Transformers", "tested with Transformers".
_LIBRARY_BEFORE = re.compile(
    r"(?i)(?:hugging ?face(?:'s)?|hf|🤗|sentence|install(?:ed)?|with|via|from|import|using the|the latest)[\s`'\"*(\[]*$"
)
_LIBRARY_AFTER = re.compile(
    r"(?i)^[`'\"*)\]]*(?:\s*(?:>=|==|<=|~=|>|<)|\s*v?\d|\.js\b|\s+(?:library|libraries|package|version|versions|"
    r"format|integration|pipeline|api|code|codebase|implementation|installed|release|docs|documentation|"
    r"model class|tokenizer|checkpoints? format)\b)"
)
#: Lower-case forms of mixed-case names that are ordinary words: these stay case-sensitive.
_COMMON_LOWER = frozenset({"llama", "palm", "lamda", "lora", "glam"})
#: Common abbreviations of names the gazetteer knows, keyed by the node's name; matched only as
#: written and in machine-learning context ("SD 1.5" is Stable Diffusion, "SD 2.1" in a clinical
#: table is a standard deviation).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "Stable Diffusion": (
        "SD v1",
        "SD v1.4",
        "SD v1.5",
        "SD v1 4",
        "SD v1 5",
        "SD 1.4",
        "SD 1.5",
        "SD 2",
        "SD 2.0",
        "SD 2.1",
        "SDv1.5",
        "SD v2",
        "SD v2.1",
    ),
    "GPT-3.5": ("gpt-35-turbo", "GPT-35-Turbo"),
    "FlashAttention": ("FA2",),
}
_STRONG = (
    r"neural|LLMs?|language models?|deep learning|machine learning|transformers?|fine-?tun\w*|finetun\w*"
    r"|pre-?train\w*|GPT[-\w]*|BERT|tokens?|prompt\w*|GPUs?|benchmarks?|parameters?|checkpoints?|inference"
    r"|embeddings?|attention|encoders?|decoders?|training|trained|datasets?|architectures?|RLHF|diffusion"
    r"|模型|微调|训练|参数|架构|专家|语言|推理|注意力|扩散|生成"
)
_GENERAL = _STRONG + (
    r"|models?|releas\w*|open[- ]source|weights|chat\w*|instruct\w*|series|family|versions?|Hugging ?Face"
    r"|OpenAI|Google|Meta|Microsoft|DeepMind|Anthropic|AI|\d+(?:\.\d+)?[BM]\b|论文|系列|发布|开源"
)
STRONG_CONTEXT = re.compile(rf"(?i)(?<![A-Za-z])(?:{_STRONG})(?![A-Za-z])")
GENERAL_CONTEXT = re.compile(rf"(?i)(?<![A-Za-z])(?:{_GENERAL})(?![A-Za-z])")
WINDOW = 100  # characters either side searched for context words
_SIZE = re.compile(r"\d[BMKbmk]$|\d\s*[BMKbmk]$|x\d+[Bb]$")

# Phrases that, right before a match, make a candidate BUILDS_ON edge: (pattern, kind for a model, for a method).
_LEAD = r"(?:\s+(?:the|a|an|our|its))?\s*[\[`(*]*(?:[\w.-]+/)?$"  # also "[mistralai/Mistral-7B-v0.1](…)"
BUILD_PHRASES: list[tuple[re.Pattern[str], BuildKind | None, BuildKind | None]] = [
    (
        re.compile(
            r"(?i)\bfine-?tun(?:ed|ing)(?:\s+(?:version|variant|checkpoint)\s+of|\s+from|\s+on\s+top\s+of|\s+off)"
            + _LEAD
        ),
        BuildKind.fine_tuned_from,
        None,
    ),
    (re.compile(r"(?i)\ba\s+fine-?tune\s+of" + _LEAD), BuildKind.fine_tuned_from, None),
    (re.compile(r"(?i)\bdistilled\s+from" + _LEAD), BuildKind.distilled_from, None),
    (re.compile(r"(?i)\b(?:we\s+)?extends?" + _LEAD), BuildKind.extends, BuildKind.extends),
    (  # "X is based on Y", not "a framework based on GPT-4"
        re.compile(r"(?i)\b(?:is|are|was|were)\s+(?:based\s+on|built\s+(?:up)?on(?:\s+top\s+of)?)" + _LEAD),
        BuildKind.derived_from,
        BuildKind.uses_method,
    ),
    (re.compile(r"基于\s*$"), BuildKind.derived_from, BuildKind.uses_method),
]
#: Phrases strong enough to make the paper itself the subject when no model is named before them.
_PAPER_SUBJECT_KINDS = frozenset({BuildKind.fine_tuned_from, BuildKind.extends})


@dataclass(frozen=True)
class Entry:
    """One alias of one node, with the rule class it is matched under."""

    node_id: str
    label: str  # Model | Method
    form: str
    kind: str  # cjk | numbered | code | acronym | mixed | word | lower | phrase


@dataclass(frozen=True)
class Mention:
    node_id: str
    label: str
    start: int
    end: int
    span: str
    confidence: float
    rule: str


def tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _is_size(toks: list[tuple[str, int, int]], j: int) -> bool:
    """``7B``/``70b``/``1.1B`` at token ``j``: a number glued to B or M."""
    return (
        j + 1 < len(toks)
        and toks[j][0][0].isdigit()
        and toks[j + 1][0].lower() in ("b", "m")
        and toks[j][2] == toks[j + 1][1]
    )


def _distinctive(entry: Entry) -> bool:
    return entry.kind in ("numbered", "cjk", "mixed") or (
        entry.kind == "acronym" and entry.form not in AMBIGUOUS_ACRONYMS
    )


def _kind(form: str) -> str:
    toks = [t for t, _, _ in tokens(form)]
    if any(_CJK.match(t) for t in toks):
        return "cjk"
    letters = sum(c.isalpha() for c in form)
    if any(t[0].isdigit() for t in toks):
        return "code" if letters <= 2 and len(toks) == 2 else "numbered"
    if len(toks) > 1:
        return "phrase"
    word = toks[0]
    if len(word) >= 2 and word.isupper():
        return "acronym"
    if any(c.isupper() for c in word[1:]):
        return "mixed"
    if word[0].isupper():
        return "word"
    return "lower"


def variants(form: str) -> list[str]:
    """The form and its generated spellings: the plural of a word or phrase (``Transformers``)
    and ``-tuned`` for ``-tuning`` (``instruction-tuned``). Separators and case need no variants:
    matching ignores them (within the case rules)."""
    out = [form]
    toks = tokens(form)
    if not toks or _kind(form) not in ("word", "phrase", "lower", "mixed"):
        return out
    last = toks[-1][0]
    if last.isalpha() and not last.endswith("s") and len(last) > 2:
        out.append(form + "s")
    if last.lower() == "tuning":
        out.append(form[: toks[-1][1]] + ("tuned" if last.islower() else "Tuned"))
    if len(toks) > 1 and last.lower() in ("modeling", "modelling"):  # "causal language model(s)"
        stem = form[: toks[-1][1]] + ("Model" if last[0].isupper() else "model")
        out += [stem, stem + "s"]
    return out


@dataclass
class Gazetteer:
    """Aliases → nodes, as a trie over lower-cased tokens."""

    entries: list[Entry] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    _trie: dict[str, Any] = field(default_factory=dict, repr=False)
    _context: tuple[str, list[int]] = field(default=("", [0]), repr=False)

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]]) -> Gazetteer:
        """``rows``: dicts with ``id``, ``label``, ``name``, ``aliases``.

        A form claimed by two nodes is dropped (and listed in ``conflicts``), except that a curated
        node's claim beats a ``model:hf.*`` node's (the Hub repo name of the same model).
        """
        claims: dict[str, dict[str, list[tuple[str, str]]]] = {}
        rows = list(rows)
        for row in rows:
            forms = [row.get("name") or "", *(row.get("aliases") or [])]
            if row.get("hf_id"):  # every Hub model is also named by its repo name
                forms.append(row["hf_id"].rsplit("/", 1)[-1])
            for form in (v for f in forms if f.strip().lower() != "phi" for v in variants(f.strip())):
                key = " ".join(t.lower() for t, _, _ in tokens(form))
                if not key:
                    continue
                spellings = claims.setdefault(key, {}).setdefault(row["id"], [])
                if (row["label"], form) not in spellings:
                    spellings.append((row["label"], form))
        gaz = cls()
        for key, owners in sorted(claims.items()):
            if len(owners) > 1:
                curated = {k: v for k, v in owners.items() if not k.startswith("model:hf.")}
                if len(curated) != 1:
                    gaz.conflicts.append(f"{key!r} names {', '.join(sorted(owners))}: not matched")
                    continue
                owners = curated
            # every spelling under this key ("BERT" and "Bert") keeps its own rule class
            for node_id, spellings in owners.items():
                for label, form in spellings:
                    gaz.add(Entry(node_id, label, form, _kind(form)))
        by_name = {str(r.get("name") or "").lower(): r for r in rows}
        for name, forms in ABBREVIATIONS.items():
            row = by_name.get(name.lower())
            for form in forms if row else ():
                if " ".join(t.lower() for t, _, _ in tokens(form)) not in claims:
                    gaz.add(Entry(row["id"], row["label"], form, "abbrev"))
        return gaz

    @classmethod
    def from_store(cls, store: GraphStore) -> Gazetteer:
        rows = store.read(
            "MATCH (n:Node) WHERE n.label = 'Model' OR n.label = 'Method' "
            "RETURN n.id AS id, n.label AS label, n.name AS name, n.aliases AS aliases, n.hf_id AS hf_id"
        )
        return cls.from_rows(rows)

    def add(self, entry: Entry) -> None:
        node = self._trie
        for tok, _, _ in tokens(entry.form):
            node = node.setdefault(tok.lower(), {})
        node.setdefault("", []).append(entry)
        self.entries.append(entry)

    # -- matching ----------------------------------------------------------------------------
    def find(self, text: str) -> list[Mention]:
        """Accepted mentions in ``text``, left to right, longest first, not overlapping.

        Two passes: distinctive names first (numbered, mixed-case, CJK, unambiguous acronyms),
        whose positions then count as context for the ambiguous kinds in the second pass.
        """
        clean = _URL.sub(lambda m: " " * len(m.group(0)), text)
        toks = tokens(clean)
        self._context = _squeeze(clean)
        anchors = [(m.start, m.end) for m in self._scan(clean, toks, [], distinctive_only=True)]
        return self._scan(clean, toks, anchors, distinctive_only=False)

    def _walk(self, clean: str, toks: list[tuple[str, int, int]], i: int) -> list[tuple[int, list[Entry]]]:
        """``(last token index, entries)`` of every alias that starts at token ``i``.

        A size written inside a name (``Llama 2 7B Chat`` for the alias ``Llama 2 Chat``) is skipped.
        """
        found: dict[int, list[Entry]] = {}
        stack = self._steps(self._trie, clean, toks, i)
        while stack:  # every path: a size may be part of one alias and skipped inside another
            node, j = stack.pop()
            if "" in node:
                found.setdefault(j, []).extend(e for e in node[""] if e not in found.get(j, []))
            nxt = j + 1
            if nxt >= len(toks) or not self._joined(clean, toks, nxt):
                continue
            stack += self._steps(node, clean, toks, nxt)
            if _is_size(toks, nxt) and nxt + 2 < len(toks) and self._joined(clean, toks, nxt + 2):
                stack += self._steps(node, clean, toks, nxt + 2)
        return sorted(found.items())

    @staticmethod
    def _steps(node: dict[str, Any], clean: str, toks: list[tuple[str, int, int]], k: int) -> list[tuple[Any, int]]:
        """The trie children for token ``k``, and for tokens ``k`` and ``k+1`` read as one word when a
        hyphen splits it ("auto-regressive" for "autoregressive"); each with the last token used."""
        out = [(node.get(toks[k][0].lower()), k)]
        split = k + 1 < len(toks) and toks[k][0].isalpha() and toks[k + 1][0].isalpha()
        if split and clean[toks[k][2] : toks[k + 1][1]] == "-":
            out.append((node.get((toks[k][0] + toks[k + 1][0]).lower()), k + 1))
        return [(child, end) for child, end in out if child is not None]

    @staticmethod
    def _joined(clean: str, toks: list[tuple[str, int, int]], j: int) -> bool:
        gap = clean[toks[j - 1][2] : toks[j][1]]
        if gap not in _JOINERS:
            return False
        return not (gap and bool(_CJK.match(toks[j][0])) != bool(_CJK.match(toks[j - 1][0])))

    def _scan(
        self, clean: str, toks: list[tuple[str, int, int]], anchors: list[tuple[int, int]], *, distinctive_only: bool
    ) -> list[Mention]:
        out: list[Mention] = []
        i = 0
        while i < len(toks):
            accepted = None
            for end_index, entries in reversed(self._walk(clean, toks, i)):
                for entry in entries:
                    if distinctive_only and not _distinctive(entry):
                        continue
                    found = self._accept(entry, clean, toks, i, end_index, anchors)
                    if found:
                        accepted = (end_index, found)
                        break
                if accepted:
                    break
            if accepted:
                out.append(accepted[1])
                i = accepted[0] + 1
            else:
                i += 1
        return out

    def _accept(
        self, entry: Entry, text: str, toks: list[tuple[str, int, int]], i: int, j: int, anchors: list[tuple[int, int]]
    ) -> Mention | None:
        start, end = toks[i][1], toks[j][2]
        span = text[start:end]
        latin_start = not _CJK.match(toks[i][0])
        latin_end = not _CJK.match(toks[j][0])
        before = text[toks[i - 1][2] : start] if i > 0 else None
        after = text[end : toks[j + 1][1]] if j + 1 < len(toks) else None
        if latin_start and i > 0 and not _CJK.match(toks[i - 1][0]) and before in ("", "-", "_", ".", "\u2011"):
            return None  # glued, part of a compound or an identifier
        if start > 0 and text[start - 1] == "\\":
            return None  # TeX: \phi
        glued_size = after == "" and toks[j][0][-1].isalpha() and _is_size(toks, j + 1)  # "Llama7B"
        glued = latin_end and j + 1 < len(toks) and not _CJK.match(toks[j + 1][0]) and after in ("", "_", ".")
        if glued and not glued_size:
            return None  # GPT-4o, llama.cpp
        if entry.label == "Model" and _inside_other_name(entry, text, toks, i, j):
            return None
        if _is_transformers_library(entry, text, toks, i, start, end):
            return None
        if entry.node_id.startswith("model:hf.") and after in ("-", "/", "_", "."):
            return None  # a Hub repo name is exact: "…-3.6b" is not "…-3.6b-instruction-sft-v2"
        squeezed, at = self._context  # URLs and runs of blanks do not eat the context window
        window = squeezed[max(0, at[start] - WINDOW) : at[start]] + " " + squeezed[at[end] : at[end] + WINDOW]
        written = [t for t, _, _ in toks[i : j + 1]]
        form_toks = [t for t, _, _ in tokens(entry.form)]
        near = any(a < end + WINDOW and b > start - WINDOW and (a, b) != (start, end) for a, b in anchors)
        in_cjk = (before == "" and i > 0 and bool(_CJK.match(toks[i - 1][0]))) or (
            after == "" and j + 1 < len(toks) and bool(_CJK.match(toks[j + 1][0]))
        )
        strong = near or bool(STRONG_CONTEXT.search(window))
        general = strong or bool(GENERAL_CONTEXT.search(window))

        def mention(conf: float, rule: str) -> Mention:
            return Mention(entry.node_id, entry.label, start, end, span, conf, rule)

        kind = entry.kind
        if kind == "abbrev":
            return mention(0.8, "abbreviation in ML context") if written == form_toks and strong else None
        if kind == "cjk":
            return mention(0.9, "alias (CJK)")
        if kind == "numbered":
            return mention(0.95, "alias with a version or size")
        if kind == "code":
            if written == form_toks and strong:
                return mention(0.8, "short code in ML context")
            return None
        if kind == "phrase":
            return mention(0.85, "phrase in ML context") if (strong or in_cjk) else None
        word, form = written[0], form_toks[0]
        if kind == "acronym":
            if word != form:
                return None
            if form in AMBIGUOUS_ACRONYMS and not strong:
                return None
            return mention(0.9 if form not in AMBIGUOUS_ACRONYMS else 0.75, "acronym")
        if kind == "mixed":
            if word == form or (word.isupper() and len(word) > 2):
                suffix = _SUFFIX.match(text[end : end + 12])
                # "PaLM 2" is another model; "ChatGPT 4" is ChatGPT (on GPT-4)
                version = suffix is not None and not _SIZE.search(suffix.group(0))
                if entry.label == "Model" and version and not form.upper().endswith("GPT"):
                    return None
                return mention(0.95, "distinctive name")
            if word.lower() not in _COMMON_LOWER and not (word[0].isupper() and word[1:].islower()):
                # "chatgpt", "qLoRA": another casing of a distinctive name; short ones need ML context
                return mention(0.85, "distinctive name in another case") if len(form) >= 6 or strong else None
            if not (word[0].isupper() and word[1:].islower()):
                return None
            kind = "word"  # "Llama" for LLaMA: a capitalised word
        if kind == "word":
            if word[0].isupper():
                if after is not None and toks[j + 1][0].lower() in _ORG_WORDS and after == " ":
                    return None  # "Mistral AI" is a company
                suffix = _SUFFIX.match(text[end : end + 12])
                if suffix and not _SIZE.search(suffix.group(0)):
                    return None  # "Llama 3.1", "Orca 3": another version, which the gazetteer does not know
                if suffix:
                    return mention(0.85, "capitalised name with a size")
                if general or in_cjk:
                    return mention(0.8, "capitalised name in model context")
                return None
            if entry.label == "Method" and word.islower() and strong:
                return mention(0.7, "method name in ML context")
            return None
        if kind == "lower":
            return mention(0.8, "term in ML context") if (strong or in_cjk) else None
        return None


def _squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` with every run of blanks made one space, and each position's place in it."""
    out: list[str] = []
    at: list[int] = []
    blank = False
    for ch in text:
        at.append(len(out))
        if ch.isspace():
            if not blank:
                out.append(" ")
            blank = True
        else:
            out.append(ch)
            blank = False
    at.append(len(out))
    return "".join(out), at


def _is_title_line(text: str, pos: int) -> bool:
    """Whether the line around ``pos`` is written in Title Case (a heading or a paper title)."""
    begin = text.rfind("\n", 0, pos) + 1
    stop = text.find("\n", pos)
    words = [w for w in re.findall(r"[A-Za-z]+", text[begin : stop if stop >= 0 else len(text)]) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _sentence_initial(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" *_`#>\t")
    return not before or before[-1] in ".!?:;\n([|\"'“"


def _name_word(tok: str) -> bool:
    """A capitalised (or mixed-case, or capitals) word that can be part of a model's name."""
    return (
        tok[0].isalpha()
        and (tok[0].isupper() or any(c.isupper() for c in tok[1:]))
        and (tok.lower() not in _FUNCTION_WORDS)
    )


def _is_size_or_number(toks: list[tuple[str, int, int]], k: int) -> bool:
    return toks[k][0][:1].isdigit() or (
        toks[k][0].lower() in ("v", "x") and k + 1 < len(toks) and toks[k + 1][0][:1].isdigit()
    )


def _inside_other_name(entry: Entry, text: str, toks: list[tuple[str, int, int]], i: int, j: int) -> bool:
    """A model's name inside a longer name: another model ("Nous Hermes Llama 2 13B", "Vision
    Mamba DDPM", "Mistral Trismegistus", "Llama-2-7B-DMC"), or data, a tool, a team or a licence
    named after it ("GPT4-LLM", "LLaMA-Factory", "the Alpaca data", "the Mistral team")."""
    start, end = toks[i][1], toks[j][2]
    after = text[end : toks[j + 1][1]] if j + 1 < len(toks) else None
    nxt = toks[j + 1][0] if j + 1 < len(toks) else ""
    if _NAMED_AFTER.match(text[end : end + 40]) or _LICENCE_BEFORE.search(text[max(0, start - 20) : start]):
        return True
    k = j + 1  # past a size or version written after the name: "Llama-2-7B-DMC"
    while k < len(toks) and text[toks[k - 1][2] : toks[k][1]] in ("-", "", ".") and _is_size_or_number(toks, k):
        k += 2 if _is_size(toks, k) else 1
    if k < len(toks) and text[toks[k - 1][2] : toks[k][1]] == "-":
        word = toks[k][0]
        if word.isalpha() and any(c.isupper() for c in word) and word.lower() not in _SAME_MODEL_WORDS:
            return True  # "Llama-2-7B-DMC", "Mistral-7B-OpenOrca", "GPT4-LLM", "LLaMA-Factory"
    title = _is_title_line(text, start)
    follows = (
        after in (" ", "-")
        and j + 1 < len(toks)
        and ((_name_word(nxt) and nxt.lower() not in _SAME_MODEL_WORDS) or _is_size(toks, j + 1) or nxt[:1].isdigit())
    )
    before = text[toks[i - 1][2] : start] if i > 0 else None
    prev = toks[i - 1][0] if i > 0 else ""
    line_start = text.rfind("\n", 0, start) + 1
    precedes = (
        before == " "
        and _name_word(prev)
        and prev.lower() not in _ORG_PREFIXES
        # in a title, "Xyz: Vision Mamba Diffusion" still runs on after the colon
        and not (_sentence_initial(text, toks[i - 1][1]) and not (title and toks[i - 1][1] > line_start))
    )
    if precedes and follows and (not title or entry.kind == "word"):
        return True  # the middle of a run of name words: "Nous Hermes Llama 2 13B"
    if entry.kind == "word" and not title and follows and _name_word(nxt) and j + 2 < len(toks):
        gap = text[toks[j + 1][2] : toks[j + 2][1]]
        return gap in (" ", "-") and (
            _is_size(toks, j + 2) or toks[j + 2][0][:1].isdigit()
        )  # "Mistral Trismegistus 7B"
    return False


def _is_transformers_library(
    entry: Entry, text: str, toks: list[tuple[str, int, int]], i: int, start: int, end: int
) -> bool:
    """The Hugging Face ``transformers`` library (or GPT's long name), not the Transformer architecture."""
    if entry.form.lower() not in ("transformer", "transformers"):
        return False
    if re.search(r"(?i)generative\s+pre-?trained\s+$", text[max(0, start - 30) : start]):
        return True  # "Generative Pre-trained Transformer(s)" is GPT's name, not the architecture
    if not toks[i][0].lower().endswith("s"):
        return False
    if start > 0 and text[start - 1] == "`":
        return True
    return bool(_LIBRARY_BEFORE.search(text[max(0, start - 30) : start]) or _LIBRARY_AFTER.match(text[end : end + 40]))


# --- edges ------------------------------------------------------------------------------------


def evidence(field_name: str, text: str, m: Mention, width: int = 60) -> str:
    left = " ".join(text[max(0, m.start - width) : m.start].split())
    right = " ".join(text[m.end : m.end + width].split())
    return f"{field_name}: …{left} «{m.span}» {right}…".replace("  ", " ")


def mention_edges(paper: str, fields: Iterable[tuple[str, str]], gaz: Gazetteer, when: dt.date) -> list[Edge]:
    """One MENTIONS edge per node a paper's fields mention: the first span as evidence, the best confidence."""
    best: dict[str, tuple[float, str]] = {}
    for field_name, text in fields:
        for m in gaz.find(text):
            conf, ev = best.get(m.node_id, (0.0, ""))
            if m.confidence > conf:
                best[m.node_id] = (m.confidence, ev or evidence(field_name, text, m))
    return [
        Edge(
            type=EdgeType.MENTIONS,
            source=paper,
            target=node,
            provenance=[Provenance(source=Source.extracted, evidence=ev, confidence=conf, retrieved=when)],
        )
        for node, (conf, ev) in best.items()
    ]


def _sentence_start(text: str, pos: int) -> int:
    cut = max(text.rfind(s, 0, pos) for s in (". ", "! ", "? ", "\n", "。", "！", "？", "；"))
    return cut + 1


def builds_on_candidates(
    text: str,
    mentions: list[Mention],
    *,
    subject: str | None,
    paper: str | None,
    where: str,
    when: dt.date,
    bases: frozenset[str] = frozenset(),
) -> Iterator[Edge]:
    """Candidate BUILDS_ON edges from lineage phrases right before a mention.

    The subject: a model named at the start of the sentence ("Zephyr-7B-β is a fine-tuned version
    of …"); in a card, only if it is one of the card model's ``bases`` ("The neural-chat-7b-v3-1 was
    originally fine-tuned from …"), else the card's model (``subject``); in a paper, else the paper
    itself for the strongest phrases (fine-tuned from, we extend).
    """
    for k, m in enumerate(mentions):
        begin = _sentence_start(text, m.start)
        before = text[begin : m.start]
        for pattern, model_kind, method_kind in BUILD_PHRASES:
            phrase = pattern.search(before)
            if not phrase:
                continue
            kind = model_kind if m.label == "Model" else method_kind
            if kind is None:
                break
            opening = [
                p
                for p in mentions[:k]
                if p.label == "Model" and begin <= p.start <= begin + 30 and p.end <= begin + phrase.start()
            ]
            named = opening[0].node_id if opening else None
            if subject is not None:
                source = named if named in bases else subject
            else:
                source = named or (paper if kind in _PAPER_SUBJECT_KINDS else None)
            if source is None or source == m.node_id:
                break
            sentence = " ".join(text[begin : m.end + 40].split())
            yield Edge(
                type=EdgeType.BUILDS_ON,
                source=source,
                target=m.node_id,
                kind=kind,
                provenance=[
                    Provenance(
                        source=Source.extracted,
                        evidence=f'{where}: "{sentence}"',
                        confidence=0.5 if kind in (BuildKind.fine_tuned_from, BuildKind.distilled_from) else 0.4,
                        retrieved=when,
                    )
                ],
            )
            break


def _papers(store: GraphStore) -> list[dict[str, Any]]:
    rows = store.read(
        "MATCH (n:Node) WHERE n.label = 'Paper' RETURN n.id AS id, n.title AS title, n.abstract AS abstract"
    )
    return sorted(rows, key=lambda r: r["id"])


def extract_mentions(
    store: GraphStore,
    *,
    cards: str | Path | None = None,
    batch_size: int = 5000,
    retrieved: dt.date | None = None,
) -> SourceReport:
    """MENTIONS (and candidate BUILDS_ON) edges from paper titles/abstracts and, optionally, model cards."""
    when = retrieved or dt.date.today()
    report = SourceReport()
    gaz = Gazetteer.from_store(store)
    report.notes += gaz.conflicts
    edges: dict[tuple[str, str, str, str], Edge] = {}
    papers = 0
    for row in _papers(store):
        fields = [("abstract", row["abstract"] or "")]
        if not is_placeholder(row):
            fields.insert(0, ("title", row["title"] or ""))
        fields = [(f, t) for f, t in fields if t.strip()]
        if not fields:
            report.skip("papers with no title or abstract (placeholders)")
            continue
        papers += 1
        for edge in mention_edges(row["id"], fields, gaz, when):
            edges.setdefault(edge.key, edge)
        for field_name, text in fields:
            for edge in builds_on_candidates(
                text, gaz.find(text), subject=None, paper=row["id"], where=f"{row['id']} {field_name}", when=when
            ):
                edges.setdefault(edge.key, edge)
    n_cards = 0
    if cards:
        index = hf_index(store)
        lineage: dict[str, set[str]] = {}
        quantized: dict[str, str] = {}
        for row in store.read("MATCH (a:Node)-[e:BUILDS_ON]->(b:Node) RETURN a.id AS a, b.id AS b, e.kind AS kind"):
            lineage.setdefault(row["a"], set()).add(row["b"])
            if row["kind"] == BuildKind.quantized_from.value:
                quantized[row["a"]] = row["b"]
        for path, repo in find_cards(cards):
            try:
                card = read_card(path, repo)
            except CardError as exc:
                report.failures.append(str(exc))
                continue
            model = index.get(repo.lower()) or hf_model_id(repo)
            if not store.nodes([model]):
                report.skip("cards whose model is not in the store (load hf-cards first)")
                continue
            n_cards += 1
            # A quantised repo's card is its base's card, copied: what it says is about the base.
            about = quantized.get(model, model)
            text = card.body
            for edge in builds_on_candidates(
                text,
                gaz.find(text),
                subject=about,
                paper=None,
                where=card.where,
                when=when,
                bases=frozenset(lineage.get(about, ())),
            ):
                edges.setdefault(edge.key, edge)
    kinds = {t: sum(1 for e in edges.values() if e.type.value == t) for t in ("MENTIONS", "BUILDS_ON")}
    report.notes.append(
        f"{len(gaz.entries)} aliases; {papers} paper(s) and {n_cards} card(s) read; "
        f"{kinds['MENTIONS']} mention(s), {kinds['BUILDS_ON']} candidate builds-on edge(s)"
    )
    report += upsert(store, list(edges.values()), batch_size=batch_size)
    return report
