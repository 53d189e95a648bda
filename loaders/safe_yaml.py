"""YAML from files users hand us (the curated file, model-card front matter), read defensively.

``yaml.safe_load`` is safe from code execution but not from bad input:

* aliases let a few hundred bytes stand for millions of values ("billion laughs": 7 levels of
  ``*g`` cost 308 MB once anything walks or prints the result), so an alias is refused where it
  appears (an anchor alone is harmless; no curated file or recorded card uses either);
* the composer recurses once per nesting level, so 5,000 ``[`` end in a ``RecursionError``;
  nesting is capped at :data:`MAX_DEPTH` levels (real cards use under 10);
* an impossible date (``2023-02-30``) raises a bare ``ValueError`` with no line.

Every failure is a :class:`YamlInputError` with the 1-based line and a short message.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from loaders.shown import cut, shown

MAX_DEPTH = 100
_STR_TAG = "tag:yaml.org,2002:str"


class YamlInputError(ValueError):
    """YAML we will not read; ``line`` is 1-based in the caller's file (None when unknown).

    ``syntax``: the text is not YAML at all (as opposed to YAML this loader refuses).
    """

    def __init__(self, line: int | None, message: str, syntax: bool = False) -> None:
        self.line, self.message, self.syntax = line, message, syntax
        super().__init__(f"line {line}: {message}" if line else message)


class _Refused(ComposerError):
    """Valid YAML that this loader will not compose (an alias, too deep)."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases, with bounded nesting and dates that fail with their line."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(None, None, f"YAML alias *{cut(event.anchor or '', 60)} is not allowed", event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise _Refused(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_checked_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise ConstructorError(
                None, None, f"{shown(node.value)} is not a valid date: {exc}", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_checked_timestamp)

try:  # libyaml's event parser, with the same composer checks, constructors and resolver
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml
    CParser = None


if CParser is not None:

    class _FastLoader(CParser, _Loader):  # type: ignore[misc,valid-type]
        """:class:`_Loader` with libyaml scanning and parsing (the events), ~6x faster on real
        card front matter (1.4 against 9 ms a card, measured): the composer stays
        :class:`_Loader`'s (aliases refused, nesting bounded), as do the constructors and the
        resolver, so the data are the same. On any error the text is read again by
        :class:`_Loader`, so messages are the pure-Python parser's."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.anchors: dict[str, Any] = {}
            self._depth = 0

        get_single_node = yaml.composer.Composer.get_single_node  # not CParser's own composer
        get_node = yaml.composer.Composer.get_node
        check_node = yaml.composer.Composer.check_node


def _line(mark: Any, first_line: int) -> int | None:
    return mark.line + first_line if mark is not None else None


def load_yaml(text: str, *, first_line: int = 1, string_keys: bool = False) -> tuple[Any, yaml.Node | None]:
    """``(data, node tree)`` of one YAML document; the tree keeps every value's line.

    ``first_line``: the file line ``text`` starts on (front matter starts on line 2).
    ``string_keys``: refuse mapping keys that are not strings (``1: x``, ``yes: x``).
    """
    if CParser is not None:
        fast = _FastLoader(text)
        try:
            node = fast.get_single_node()
            if string_keys and node is not None:
                _check_string_keys(node, first_line)
            return (fast.construct_document(node) if node is not None else None), node
        except (yaml.YAMLError, ValueError, RecursionError):
            pass  # read again below, for the pure-Python parser's message
        finally:
            fast.dispose()
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if string_keys and node is not None:
            _check_string_keys(node, first_line)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = str(exc.problem or exc.context or "not valid YAML")
        if problem.startswith("but ") and exc.context:  # "expected a single document …, but found another"
            problem = f"{exc.context}, {problem}"
        syntax = not isinstance(exc, _Refused | ConstructorError)
        raise YamlInputError(_line(mark, first_line), cut(problem), syntax) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + first_line
        char = f"#x{exc.character:04x}" if isinstance(exc.character, int) else shown(exc.character)
        raise YamlInputError(line, f"unacceptable character {char}: {cut(exc.reason)}", True) from None
    except yaml.YAMLError as exc:
        raise YamlInputError(None, cut(str(exc)), True) from None
    except RecursionError:  # not reached with MAX_DEPTH, but never a traceback
        raise YamlInputError(None, "nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, node


class _Slow(Exception):
    """The text needs the checking composer (an alias, an anchor, a tag, nesting, an odd key)."""


_SIMPLE_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp"))


def load_data(text: str, *, first_line: int = 1) -> Any:
    """The data of one YAML document, as :func:`load_yaml` gives it, without its node tree.

    Real card front matter has no aliases, anchors, tags, merge keys or deep nesting, and most
    of its scalars are plain words; for such text the data are built straight from libyaml's
    events here (a third of :func:`load_yaml`'s time: its composer and constructors are Python
    calls per value). Anything else, and any error, is read by :func:`load_yaml`, so what is
    refused and every message stay its own.
    """
    if CParser is not None and _FAST_EVENTS:
        try:
            return _from_events(text)
        except (_Slow, yaml.YAMLError, ValueError, TypeError, RecursionError):
            pass
    return load_yaml(text, first_line=first_line)[0]


def _from_events(text: str) -> Any:
    """Build the document from libyaml's events (see :func:`load_data`); :class:`_Slow` when the
    text has anything this does not handle exactly as :class:`_Loader`."""
    parser = CParser(text)
    get = parser.get_event
    try:
        get()  # stream start
        event = get()
        if type(event) is yaml.StreamEndEvent:
            return None
        if type(event) is not yaml.DocumentStartEvent:
            raise _Slow
        root: Any = _NONE
        top: Any = None  # the innermost open collection
        key: Any = _NONE  # in a mapping: the key waiting for its value
        stack: list[tuple[Any, Any]] = []  # the outer open collections, each with its waiting key
        while True:
            event = get()
            kind = type(event)
            if kind is _MAP_END or kind is _SEQ_END:
                value = top
                if not stack:
                    root = value
                    break
                top, key = stack.pop()
            else:
                if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH - 1:
                    raise _Slow  # composed by _Loader: refused there, or exact there
                if kind is _SCALAR:
                    value = event.value
                    if event.implicit[0] and (not value or (value[0] in _RESOLVED_FIRST and value not in _WORDS)):
                        value = _scalar(event)
                    if top is None:
                        root = value
                        break
                elif kind is _MAP_START or kind is _SEQ_START:
                    if top is not None:
                        if type(top) is dict and key is _NONE:
                            raise _Slow  # a collection as a key: _Loader says it cannot be one
                        stack.append((top, key))
                    top, key = ({} if kind is _MAP_START else []), _NONE
                    continue
                else:  # an alias, or anything unexpected
                    raise _Slow
            if type(top) is list:
                top.append(value)
            elif key is _NONE:
                key = value
            else:
                top[key] = value
                key = _NONE
        if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
            raise _Slow  # a second document: _Loader's message
        return root
    finally:
        parser.dispose()


_NONE: Any = object()
_SCALAR, _MAP_START, _MAP_END = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.MappingEndEvent
_SEQ_START, _SEQ_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent
#: Plain scalars met before that resolved to strings (``transformers``, ``text-generation``…):
#: resolving tries the implicit resolvers' patterns each time. Bounded: cleared when full.
_WORDS: set[str] = set()
_WORDS_MAX = 100_000


def _scalar(event: Any) -> Any:
    """A plain scalar that may not be a string, resolved and constructed as :class:`_Loader` does."""
    tag = _SCALARS.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR_TAG:
        if len(_WORDS) >= _WORDS_MAX:
            _WORDS.clear()
        _WORDS.add(event.value)
        return event.value
    if tag not in _SIMPLE_TAGS:
        raise _Slow  # a merge key or a value key: _Loader's handling
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    return _Loader.yaml_constructors[tag](_SCALARS, node)


_SCALARS = _Loader("")  # resolves and constructs single scalars (no state of its own)
#: First characters of plain scalars that an implicit resolver may read as non-strings; any
#: other plain scalar is a string. Valid only without wildcard or path resolvers.
_RESOLVED_FIRST = frozenset(k for k in _Loader.yaml_implicit_resolvers if k)
_FAST_EVENTS = None not in _Loader.yaml_implicit_resolvers and not _Loader.yaml_path_resolvers


def _check_string_keys(root: yaml.Node, first_line: int) -> None:
    """Raise for the first mapping key that is not a plain string (walked without recursion)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not (isinstance(key, yaml.ScalarNode) and key.tag == _STR_TAG):
                    if isinstance(key, yaml.ScalarNode):
                        kind = key.tag.rsplit(":", 1)[-1]
                        what = f"key {cut(key.value, 60)} is read as {kind}, not a string (quote it)"
                    else:
                        what = f"a {key.id} as a key is not a string"
                    raise YamlInputError(_line(key.start_mark, first_line), what)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
