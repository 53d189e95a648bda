"""Saved queries: ``.cypher`` files with a typed header, validated before anything runs.

Header grammar (``//`` comment lines at the top of the file)::

    // name: ancestors
    // description: Everything a node builds on, transitively.
    // param id: node -- the node to start from
    // param depth: int = 3 (1..10) -- builds-on hops to follow
    // returns: id, name, label, depth
    // subgraph: $id, id
    // example: lineage query ancestors id=model:zephyr-7b depth=4

Parameter types: ``node`` (an id, normalised and checked to exist), ``nodes`` (a comma
list of ids), ``int`` (with bounds), ``str``, ``date`` (``YYYY-MM-DD``; ``YYYY`` and ``YYYY-MM``
mean their first day; empty: none), ``list`` (comma list of strings; ``list of kinds`` takes
only the builds-on kinds of :class:`graph.schema.BuildKind`, and its help lists them) and
``choice[a|b]``. ``subgraph`` names the columns (and ``$params``) that hold node ids; the
result's networkx subgraph is induced on those nodes. Where the embedded engine needs other
text for the same question the body has ``// --- neo4j`` and ``// --- ladybug`` sections.

Lineage walks declare ``contrast: choice[no|yes] = no``: their Cypher skips builds-on edges
whose kind is in ``$contrast_kinds`` (:data:`graph.schema.CONTRAST_KINDS`, passed to the engine
by :func:`run_query`) unless ``$contrast = 'yes'``. ``// reached:`` and ``// filled:`` header
lines ask for each row's hop (``via``, ``via_kind``, ``via_source``; see :mod:`queries.hops`).

Analytics that Cypher does badly (PageRank, main paths, descendant impact) live in
:mod:`queries.analytics` as :class:`Analytic` entries: same parameter declarations, same
validation, listed by :func:`registry` and run by :func:`run_query` like any saved query.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, create_model, field_validator

from graph.errors import LineageError, QueryError, StoreError, UnknownQueryError
from graph.ids import InvalidIdError, normalize_id
from graph.schema import CONTRAST_KINDS, BuildKind
from graph.store import GraphStore, to_networkx
from queries.hops import annotate
from queries.resolve import AmbiguousNodeError, resolve, resolve_all
from queries.resolve import suggest as resolve_suggest

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
    filled: tuple[str, ...] = ()  # columns of ``returns`` added by queries.hops, not by the Cypher

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
            elif key in ("name", "description", "returns", "subgraph", "example", "reached", "filled"):
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
    )


@cache
def registry(directory: Path = QUERY_DIR) -> dict[str, SavedQuery]:
    """All saved queries by name (loaded once), including the Python analytics."""
    queries: list[SavedQuery] = [parse_query_file(p) for p in sorted(directory.glob("*.cypher"))]
    if directory == QUERY_DIR:
        from queries.analytics import ANALYTICS

        queries += list(ANALYTICS.values())
    out: dict[str, SavedQuery] = {}
    for q in queries:
        if q.name in out:
            raise QueryError(f"two saved queries are named {q.name!r}: {out[q.name].path} and {q.path}")
        out[q.name] = q
    return out


def get_query(name: str) -> SavedQuery:
    queries = registry()
    if name not in queries:
        near = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else f"; known: {', '.join(sorted(queries))}"
        raise UnknownQueryError(f"unknown query {name!r}{hint}")
    return queries[name]


# --- parameter validation ------------------------------------------------------------------


def _comma_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [x.strip() for x in value.split(",") if x.strip()]
    return list(value)


@cache
def _param_model(name: str, path: str) -> type[BaseModel]:
    query = parse_query_file(Path(path))
    return build_param_model(query.name, query.params)


@cache
def build_param_model(name: str, params: tuple[Param, ...]) -> type[BaseModel]:
    """The pydantic model checking one query's parameters (types, bounds, choices, no extras)."""
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


def validate_params(query: SavedQuery, raw: dict[str, Any], store: GraphStore | None = None) -> dict[str, Any]:
    """Check types, bounds and unknown names; resolve node parameters to ids that exist (with a store)."""
    try:
        values = query.param_model()(**raw).model_dump()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "?"
        if err["type"] == "extra_forbidden":
            known = ", ".join(p.name for p in query.params)
            raise QueryError(f"{query.name}: unknown parameter {name!r} (parameters: {known})", name) from None
        got = repr(raw.get(name, "<missing>"))
        got = got if len(got) <= 80 else f"{got[:60]}… ({len(got):,} characters)"
        raise QueryError(f"{query.name}: parameter {name!r}={got}: {err['msg']}", name) from None
    _check_values(query, values)
    for p in query.params:
        if p.type == "node" and not p.required and not values[p.name]:
            values[p.name] = None  # an optional node left out (an analytic's scope)
        elif p.type in ("node", "nodes"):
            given = values[p.name] if p.type == "nodes" else [values[p.name]]
            ids = _resolve_param(query, p.name, given, store)
            values[p.name] = ids if p.type == "nodes" else ids[0]
    return values


def _check_values(query: SavedQuery, values: dict[str, Any]) -> None:
    """Dates, vocabularies, and contrast kinds named without ``contrast=yes``: one line each."""
    for p in query.params:
        value = values.get(p.name)
        if p.type == "date" and value:
            values[p.name] = _iso_date(query.name, p.name, value)
        for item in value if p.allowed and isinstance(value, list) else []:
            if item not in p.allowed:
                raise QueryError(
                    f"{query.name}: parameter {p.name!r}: unknown {p.of[:-1]} {item!r} ({p.of}: {', '.join(p.allowed)})",
                    p.name,
                )
    contrast = [k for k in values.get("kinds") or [] if k in CONTRAST_KINDS]
    if contrast and values.get("contrast") != "yes" and any(p.name == "contrast" for p in query.params):
        raise QueryError(
            f"{query.name}: parameter 'kinds': {', '.join(contrast)} is a contrast kind, not lineage; "
            "add contrast=yes to follow it",
            "kinds",
        )


def _iso_date(query: str, name: str, value: str) -> str:
    """``YYYY-MM-DD`` (``YYYY`` and ``YYYY-MM`` mean their first day)."""
    text = value.strip()
    padded = text + {4: "-01-01", 7: "-01"}.get(len(text), "")
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", padded):
            raise ValueError
        return dt.date.fromisoformat(padded).isoformat()
    except ValueError:
        raise QueryError(f"{query}: parameter {name!r}={value!r}: not a date; use YYYY-MM-DD", name) from None


def _resolve_param(query: SavedQuery, name: str, given: list[str], store: GraphStore | None) -> list[str]:
    """Node ids for what a user typed (:mod:`queries.resolve`); without a store, normalised only."""
    if store is None:
        return [resolve_node(v) for v in given]
    try:
        return [r.id for r in resolve_all(store, given, name)]
    except AmbiguousNodeError as exc:
        raise AmbiguousNodeError(exc.text, exc.candidates, name, f"{query.name}: parameter {name!r}=") from None


def resolve_node(raw: str, store: GraphStore | None = None) -> str:
    """The node id ``raw`` names. With a store, anything :func:`queries.resolve.resolve` accepts
    (ids, arXiv ids, Hugging Face repo ids, names, aliases), raising when there is none or several;
    without one, the id normalised however it is spelled (one that cannot be stays as typed)."""
    if store is not None:
        return resolve(store, raw)
    try:
        return normalize_id(raw)
    except InvalidIdError:
        return raw


def suggest(store: GraphStore, text: str, n: int = 3) -> list[str]:
    """Near matches for a text that names no node (:func:`queries.resolve.suggest`)."""
    return resolve_suggest(store, text, n)


# --- running -------------------------------------------------------------------------------


@dataclass
class QueryResult:
    """Rows (a table) and the subgraph they describe (networkx), the form viz/export/API use."""

    query: SavedQuery
    params: dict[str, Any]
    rows: list[dict[str, Any]]
    graph: nx.MultiDiGraph

    @property
    def columns(self) -> list[str]:
        return list(self.query.returns) or (list(self.rows[0]) if self.rows else [])


def node_ids_of(query: SavedQuery, params: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for col in query.subgraph:
        if col.startswith("$"):
            value = params.get(col[1:])
            ids += value if isinstance(value, list) else [value] if value else []
            continue
        for row in rows:
            value = row.get(col)
            ids += value if isinstance(value, list) else [value] if value else []
    return list(dict.fromkeys(i for i in ids if isinstance(i, str)))


def run_query(
    store: GraphStore, name: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
) -> QueryResult:
    """Validate, run on the store's dialect, and build the subgraph.

    ``timeout`` (seconds) stops the saved query's own Cypher in the engine.
    """
    query = get_query(name)
    values = validate_params(query, params or {}, store)
    if isinstance(query, Analytic) and query.func is not None:
        rows, graph = query.func(store, values)
        return QueryResult(query, values, rows, graph)
    rows = query_rows(store, query, values, timeout=timeout)
    ids = node_ids_of(query, values, rows)
    return QueryResult(query, values, rows, subgraph_of(store, ids))


def query_rows(
    store: GraphStore, query: SavedQuery, values: dict[str, Any], *, timeout: float | None = None
) -> list[dict[str, Any]]:
    """A saved Cypher query's rows for validated ``values``: the engine's answer plus the columns
    the registry fills (each row's hop, :mod:`queries.hops`). What :func:`run_query` runs, and
    the API where it needs rows without a subgraph."""
    engine = {**values, "contrast_kinds": list(CONTRAST_KINDS)}
    try:
        rows = store.read(query.text(store.backend), engine, timeout=timeout, columns=query.engine_columns)
        everyone = None
        if query.reached and "via" in query.filled and values.get("since"):  # hops may pass older nodes
            everyone = store.read(query.text(store.backend), {**engine, "since": ""}, timeout=timeout)
    except Exception as exc:  # the engine's own message is the useful part
        raise named(query.name, exc) from exc
    if query.reached:
        rows = annotate(
            store, rows, values, reached=query.reached, filled=query.filled, columns=query.returns, everyone=everyone
        )
    return rows


def named(name: str, exc: Exception) -> LineageError:
    """``exc`` with the query's name in front, of the same type where it is one of ours (a
    timeout stays a timeout, out of memory stays out of memory), else a :class:`QueryError`."""
    message = f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    if isinstance(exc, QueryError):
        return type(exc)(message, exc.parameter)
    if isinstance(exc, StoreError):
        return type(exc)(message)
    return QueryError(message)


def subgraph_of(store: GraphStore, ids: list[str]) -> nx.MultiDiGraph:
    """The nodes ``ids`` and the edges among them; in one round trip where the store can
    (Neo4j's ``subgraph``), else through ``nodes`` and ``edges_among``."""
    if not ids:
        return nx.MultiDiGraph()
    both = getattr(store, "subgraph", None)
    nodes, edges = both(ids) if callable(both) else (store.nodes(ids), store.edges_among(ids))
    return to_networkx(nodes, edges)


def neighbourhood(store: GraphStore, node_id: str, depth: int) -> nx.MultiDiGraph:
    """The subgraph within ``depth`` hops of a node, any edge type or direction."""
    return run_query(store, "neighbourhood", {"id": node_id, "depth": depth}).graph
