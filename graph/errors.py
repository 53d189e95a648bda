"""Errors users see. Each names the input and where it is wrong.

LineageError
├── RecordError          a record failed validation (names the record and the field)
│   └── DataFileError    a data file is malformed (names the file and line)
├── MissingEndpointError an edge points at a node that is in neither the batch nor the store
├── StoreError           the backend refused (names the backend / URI)
│   ├── StoreUnavailableError  unreachable, or cannot be opened
│   └── OutOfMemoryError       the query needs more memory than the store may give it
├── QueryError           bad parameter, syntax error
│   ├── QueryRefusedError      a write, file, procedure or admin clause, refused
│   ├── QueryTimeoutError      the query ran past its time limit and was stopped
│   └── UnknownQueryError      no saved query by that name (with suggestions)
└── NodeNotFoundError    an id that is not in the graph (with suggestions)

The stores raise these for every read path, so the API and the CLI map them to a status or an
exit code by type, in one place each, never by reading messages.
"""

from __future__ import annotations


class LineageError(Exception):
    """Base of every error the CLI turns into a one-line message and a non-zero exit."""


class RecordError(LineageError):
    pass


class DataFileError(RecordError):
    def __init__(self, path: object, line: int | None, message: str) -> None:
        self.path, self.line = str(path), line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class MissingEndpointError(LineageError):
    pass


class StoreError(LineageError):
    pass


class StoreUnavailableError(StoreError):
    pass


class OutOfMemoryError(StoreError):
    pass


class QueryError(LineageError):
    def __init__(self, message: str, parameter: str | None = None) -> None:
        self.parameter = parameter
        super().__init__(message)


class NodeNotFoundError(LineageError):
    def __init__(self, node_id: str, suggestions: list[str] | None = None) -> None:
        self.node_id, self.suggestions = node_id, suggestions or []
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no node {node_id!r} in the graph{hint}")


class QueryRefusedError(QueryError):
    pass


class QueryTimeoutError(QueryError):
    @classmethod
    def after(cls, timeout: float | None, parameter: str | None = None) -> QueryTimeoutError:
        """The one wording of a stopped query, whichever store stopped it."""
        limit = f" ({timeout:g} s)" if timeout else ""
        return cls(f"the query ran past the time limit{limit} and was stopped; narrow it", parameter)


class UnknownQueryError(QueryError):
    pass
