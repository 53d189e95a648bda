"""What a saved query is: the ``.cypher`` header grammar, the types it parses into and the
pydantic model that checks a query's parameters.

:class:`SavedQuery` (Cypher text), :class:`Analytic` (a Python function, :mod:`queries.analytics`),
their :class:`Param` declarations and the :class:`QueryResult` running one gives. These are
apart from :mod:`queries.registry` (which finds, validates and runs queries) so the analytics
can declare themselves without importing the registry that lists them. The grammar itself is
described in :mod:`queries.registry`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from graph.errors import QueryError
from graph.store import GraphStore, to_networkx
from graph.vocab import BuildKind

if TYPE_CHECKING:
    import networkx as nx
    from pydantic import BaseModel

#: An ``int`` parameter as typed: digits only (anything else goes to the pydantic model).
DIGITS = re.compile(r"[0-9]{1,9}")
#: Where the saved ``.cypher`` queries are.
QUERY_DIR = Path(__file__).parent / "cypher"
#: An id or text parameter longer than this is refused before any look-up (ids are short).
MAX_TEXT = 300
#: What a ``list of NAME`` parameter accepts.
VOCABULARIES: dict[str, list[str]] = {"kinds": [k.value for k in BuildKind]}
PARAM_LINE = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*)\s*:\s*(?P<type>node|nodes|int|str|date|list|choice\[[^\]]+\])"
    r"(?:\s+of\s+(?P<of>[a-z_]+))?"
    r"(?:\s*=\s*(?P<default>(?:(?!--)[^(])*?))?\s*(?:\((?P<lo>-?\d+)\.\.(?P<hi>-?\d+)\))?\s*(?:--\s*(?P<help>.*))?$"
)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = None
    required: bool = True
    low: int | None = None
    high: int | None = None
    help: str = ""
    of: str = ""  # a list's vocabulary (VOCABULARIES), e.g. ``kinds``

    @property
    def allowed(self) -> list[str]:
        """The values a ``list of ...`` parameter accepts (empty: any)."""
        return VOCABULARIES.get(self.of, [])

    @property
    def choices(self) -> list[str]:
        return self.type[len("choice[") : -1].split("|") if self.type.startswith("choice[") else []

    def describe(self) -> str:
        bounds = f" ({self.low}..{self.high})" if self.low is not None else ""
        shown = "[" + ",".join(self.default) + "]" if isinstance(self.default, tuple) else self.default
        default = "" if self.required else f" = {shown}"
        of = f" of {self.of}" if self.of else ""
        return f"{self.name}: {self.type}{of}{default}{bounds}"


@dataclass(frozen=True)
class SavedQuery:
    name: str
    description: str
    params: tuple[Param, ...]
    returns: tuple[str, ...]
    subgraph: tuple[str, ...]
    texts: dict[str, str] = field(hash=False)
    example: str = ""
    path: str = ""
    reached: str = ""  # "in" or "out": rows are reached from $id against or along stored edges
    filled: tuple[str, ...] = ()  # columns of ``returns`` added by queries.hops or the filter, not by the Cypher
    filter: str = ""  # a Python row filter run on the engine's rows (queries.registry.ROW_FILTERS)

    def text(self, dialect: str) -> str:
        return self.texts.get(dialect) or self.texts["any"]

    @property
    def engine_columns(self) -> tuple[str, ...]:
        """The columns the Cypher itself returns."""
        return tuple(c for c in self.returns if c not in self.filled)

    def param_model(self) -> type[BaseModel]:
        return _param_model(self.name, self.path)


@dataclass(frozen=True)
class Analytic(SavedQuery):
    """A saved question answered in Python (networkx) on a subgraph fetched through the store.

    ``func(store, params)`` gets validated parameters and returns ``(rows, subgraph)``.
    It has no Cypher text: ``texts`` is empty and :meth:`text` refuses.
    """

    func: Callable[[GraphStore, dict[str, Any]], tuple[list[dict[str, Any]], nx.MultiDiGraph]] | None = field(
        default=None, hash=False, compare=False
    )

    def text(self, dialect: str) -> str:
        raise QueryError(f"{self.name} is a Python analytic; it has no Cypher text")

    def param_model(self) -> type[BaseModel]:
        return build_param_model(self.name, self.params)


def _parse_default(param_type: str, raw: str | None) -> tuple[Any, bool]:
    if raw is None:
        return None, True
    raw = raw.strip()
    if param_type == "int":
        return int(raw), False
    if param_type in ("list", "nodes"):
        return tuple(x for x in raw.strip("[]").split(",") if x.strip()), False
    return raw, False


def parse_param(declaration: str) -> Param:
    """One declaration in the header grammar, e.g. ``depth: int = 3 (1..10) -- hops to follow``.

    Analytics declare their parameters with the same strings.
    """
    match = PARAM_LINE.match(declaration.strip())
    if not match:
        raise QueryError(f"cannot parse parameter declaration {declaration!r}")
    default, required = _parse_default(match["type"], match["default"])
    of = match["of"] or ""
    if of and (match["type"] != "list" or of not in VOCABULARIES):
        raise QueryError(f"cannot parse parameter declaration {declaration!r}: no vocabulary {of!r} for a list")
    help_text = (match["help"] or "").strip()
    if of:  # --help and the API docs list what the parameter accepts
        help_text += f" ({of}: {', '.join(VOCABULARIES[of])})"
    return Param(
        name=match["name"],
        type=match["type"],
        default=default,
        required=required,
        low=int(match["lo"]) if match["lo"] else None,
        high=int(match["hi"]) if match["hi"] else None,
        help=help_text,
        of=of,
    )


def parse_query_file(path: Path) -> SavedQuery:
    header: dict[str, str] = {}
    params: list[Param] = []
    sections: dict[str, list[str]] = {"any": []}
    current = "any"
    in_header = True
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        marker = re.match(r"^//\s*---\s*(neo4j|ladybug)\s*$", stripped)
        if marker:
            current, in_header = marker.group(1), False
            sections[current] = []
            continue
        if in_header and stripped.startswith("//"):
            body = stripped[2:].strip()
            key, _, value = body.partition(":")
            key = key.strip()
            if key.startswith("param "):
                try:
                    params.append(parse_param(key[len("param ") :] + ":" + value))
                except QueryError:
                    raise QueryError(f"{path}:{lineno}: cannot parse parameter declaration {body!r}") from None
            elif key in ("name", "description", "returns", "subgraph", "example", "reached", "filled", "filter"):
                header[key] = value.strip()
            continue
        if stripped:
            in_header = False
        sections[current].append(line)
    texts = {k: "\n".join(v).strip() for k, v in sections.items() if "\n".join(v).strip()}
    if "name" not in header or "description" not in header:
        raise QueryError(f"{path}: a saved query needs '// name:' and '// description:' header lines")
    if "any" not in texts and not {"neo4j", "ladybug"} <= set(texts):
        raise QueryError(f"{path}: needs one query text, or both '// --- neo4j' and '// --- ladybug' sections")
    if header.get("reached", "") not in ("", "in", "out"):
        raise QueryError(f"{path}: '// reached:' is 'in' or 'out', not {header['reached']!r}")

    def split(value: str) -> tuple[str, ...]:
        return tuple(x.strip() for x in value.split(",") if x.strip())

    return SavedQuery(
        name=header["name"],
        description=header["description"],
        params=tuple(params),
        returns=split(header.get("returns", "")),
        subgraph=split(header.get("subgraph", "")),
        texts=texts,
        example=header.get("example", ""),
        path=str(path),
        reached=header.get("reached", ""),
        filled=split(header.get("filled", "")),
        filter=header.get("filter", ""),
    )


# --- parameter models ----------------------------------------------------------------------


def check_names(query: str, params: tuple[Param, ...], given: Iterable[str]) -> None:
    """Refuse a parameter name the query does not declare, naming the one meant.

    Checked before types and required values: ``node=model:zephyr-7b`` is a misspelt ``id``,
    and saying "id is missing" would hide that. The guess is the closest declared name, else
    the one required parameter left out. The CLI and the API both get here.
    """
    names = [p.name for p in params]
    for name in given:
        if name in names:
            continue
        near = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        missing = [p.name for p in params if p.required and p.name not in given]
        guess = near[0] if near else missing[0] if len(missing) == 1 else None
        hint = f"; did you mean {guess!r}?" if guess else ""
        raise QueryError(f"{query}: unknown parameter {name!r}{hint} (parameters: {', '.join(names) or 'none'})", name)


def _comma_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [x.strip() for x in value.split(",") if x.strip()]
    return list(value)


@cache
def _param_model(name: str, path: str) -> type[BaseModel]:
    query = parse_query_file(Path(path))
    return build_param_model(query.name, query.params)


def plain_values(params: tuple[Param, ...], raw: dict[str, Any]) -> dict[str, Any] | None:
    """The values the parameter model (:func:`build_param_model`) gives for ``raw`` when every
    one is plainly valid (text within bounds, digits, a listed choice), else None: the model
    then checks them and words the error. Names are already checked (:func:`check_names`).
    Why: a CLI query that needs no error message needs no pydantic (issue 25)."""
    out: dict[str, Any] = {}
    for p in params:
        if p.name not in raw:
            if p.required:
                return None
            out[p.name] = list(p.default) if p.type in ("list", "nodes") else p.default  # defaults are not validated
            continue
        value = _plain(p, raw[p.name])
        if value is None:
            return None
        out[p.name] = value
    return out


def _within(p: Param, size: int) -> bool:
    return (p.low is None or size >= p.low) and (p.high is None or size <= p.high)


def _plain(p: Param, value: Any) -> Any:
    """One plainly valid value as the model gives it, or None (the model decides)."""
    if p.type == "int":
        number = value if type(value) is int else int(value) if type(value) is str and DIGITS.fullmatch(value) else None
        return number if number is not None and _within(p, number) else None
    if p.type in ("list", "nodes"):
        items = _comma_list(value) if type(value) in (str, list, tuple) else None
        if items is None or not _within(p, len(items)):
            return None
        return items if all(type(x) is str and len(x) <= MAX_TEXT for x in items) else None
    if p.type in ("node", "str", "date"):
        shortest = 0 if p.type == "date" else 1
        return value if type(value) is str and shortest <= len(value) <= MAX_TEXT else None
    return value if type(value) is str and value in p.choices else None


@cache
def build_param_model(name: str, params: tuple[Param, ...]) -> type[BaseModel]:
    """The pydantic model checking one query's parameters (types, bounds, choices, no extras)."""
    from pydantic import ConfigDict, Field, StringConstraints, create_model, field_validator

    fields: dict[str, Any] = {}
    validators: dict[str, Any] = {}
    for p in params:
        default = ... if p.required else p.default
        if p.type == "int":
            fields[p.name] = (int, Field(default, ge=p.low, le=p.high, description=p.help, strict=False))
        elif p.type in ("list", "nodes"):
            value = list(default) if default is not ... else ...
            # bounds on a list are its length, e.g. ``ids: nodes (2..20)``
            item = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
            fields[p.name] = (list[item], Field(value, min_length=p.low, max_length=p.high, description=p.help))
            validators[f"_split_{p.name}"] = field_validator(p.name, mode="before")(lambda cls, v: _comma_list(v))
        elif p.type in ("node", "str", "date"):
            low = 0 if p.type == "date" else 1
            fields[p.name] = (str, Field(default, min_length=low, max_length=MAX_TEXT, description=p.help))
        else:
            from typing import Literal

            fields[p.name] = (Literal[tuple(p.choices)], Field(default, description=p.help))  # type: ignore[misc]
    model = create_model(  # type: ignore[call-overload]
        f"{name.title().replace('-', '')}Params",
        __config__=ConfigDict(extra="forbid"),
        __validators__=validators,
        **fields,
    )
    return model


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subgraph:
    """A subgraph as the store returned it (``store.subgraph``), not yet a networkx graph."""

    nodes: dict[str, dict[str, Any]]
    edges: list[dict[str, Any]]


class QueryResult:
    """Rows (a table) and the subgraph they describe (networkx), the form viz/export/API use.

    Given a :class:`Subgraph`, the networkx graph is built on first use of :attr:`graph`: a
    CLI query that prints rows never imports networkx (issue 25).
    """

    def __init__(
        self, query: SavedQuery, params: dict[str, Any], rows: list[dict[str, Any]], graph: nx.MultiDiGraph | Subgraph
    ) -> None:
        self.query, self.params, self.rows = query, params, rows
        self._graph = graph

    @property
    def graph(self) -> nx.MultiDiGraph:
        if isinstance(self._graph, Subgraph):
            self._graph = to_networkx(self._graph.nodes, self._graph.edges)
        return self._graph

    @graph.setter
    def graph(self, value: nx.MultiDiGraph) -> None:
        self._graph = value

    def __repr__(self) -> str:
        return f"QueryResult({self.query.name!r}, {self.params!r}, {len(self.rows)} rows)"

    @property
    def columns(self) -> list[str]:
        return list(self.query.returns) or (list(self.rows[0]) if self.rows else [])
