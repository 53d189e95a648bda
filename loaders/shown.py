"""Values and messages cut to fit one error line.

A bad input can hold megabytes in one field (or, through YAML aliases, millions of items); its
error line must still be one short line, and building it must not cost more than the line.
"""

from __future__ import annotations

import reprlib
from typing import Any

#: Characters of a value (or of a quoted message) an error line shows.
MAX_SHOWN = 200

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = MAX_SHOWN
_REPR.maxother = MAX_SHOWN
_REPR.maxlong = 60
for _name in ("maxtuple", "maxlist", "maxarray", "maxdict", "maxset", "maxfrozenset", "maxdeque"):
    setattr(_REPR, _name, 10)


def cut(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` on one line (runs of whitespace become one space), at most ``limit`` characters."""
    text = " ".join(text[: limit * 4].split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """A bounded ``repr`` of ``value``: nested and long containers are elided, long strings cut."""
    try:
        text = _REPR.repr(value)
    except Exception:  # a value whose repr fails still gets a line
        text = f"<{type(value).__name__}>"
    return cut(text, limit)


def validation_line(err: dict[str, Any]) -> str:
    """``field 'x': message`` for one pydantic error, with the offending input cut wherever the
    message quotes it (id validators say ``'<the whole value>': key after 'model:' must …``)."""
    field = ".".join(str(x) for x in err.get("loc", ())) or "record"
    message = str(err.get("msg", ""))
    value = err.get("input")
    if isinstance(value, str) and len(value) > 60:
        message = message.replace(repr(value), shown(value, 60))
    return f"field {cut(field, 60)!r}: {cut(message)}"
