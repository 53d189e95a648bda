"""The live request path, without internet: recorded responses served from 127.0.0.1.

The ``arxiv`` client is pointed at a local ``http.server`` (``ArxivClient(base_url=…)`` replaces
``arxiv.Client.query_url_format``). Each request is answered with the recorded response whose URL
has the same query parameters, or with a scripted answer queued first (a 503, a 429, an empty
page) to exercise retries. Nothing is invented: scripted bodies are recorded responses too.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import arxiv
import pytest
from typer.testing import CliRunner

import lineage.cli_arxiv  # noqa: F401  (registers `lineage load arxiv`)
from graph.schema import Paper
from lineage.cli import app
from loaders.arxiv_api import ArxivApiError, ArxivClient, iter_records, load_arxiv

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv_api"
Key = tuple[tuple[str, str], ...]


def key_of(url: str) -> Key:
    return tuple(sorted(parse_qsl(urlsplit(url).query, keep_blank_values=True)))


def recorded(name: str) -> tuple[int, bytes]:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data["status_code"], data["body"].encode("latin-1")


EMPTY_PAGE = recorded("id_0000.0000_s0_m100_8b51d9633a68.json")[1]  # a real feed with 0 entries


class FakeArxiv(HTTPServer):
    """Serves recorded responses by query; logs (time, query) of every request."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.timeout = 5
        self.pages: dict[Key, tuple[int, bytes]] = {}
        for path in FIXTURES.glob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            if "start=" in data["url"]:  # the one bare `?search_query=testing` recording is ambiguous
                self.pages[key_of(data["url"])] = (data["status_code"], data["body"].encode("latin-1"))
        self.script: dict[Key, list[tuple[int, bytes]]] = {}
        self.log: list[tuple[float, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/query"

    def queue(self, query: str, *answers: tuple[int, bytes]) -> None:
        """Answer the next requests for ``query`` with these, before the recorded page."""
        self.script.setdefault(key_of("?" + query), []).extend(answers)

    @property
    def queries(self) -> list[str]:
        return [q for _, q in self.log]


class Handler(BaseHTTPRequestHandler):
    server: FakeArxiv

    def do_GET(self) -> None:
        query = urlsplit(self.path).query
        self.server.log.append((time.monotonic(), query))
        key = key_of(self.path)
        script = self.server.script.get(key)
        status, body = script.pop(0) if script else self.server.pages.get(key, (404, b"no recording for this query"))
        self.send_response(status)
        self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if status == 429:
            self.send_header("Retry-After", "1")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def api() -> Iterator[FakeArxiv]:
    server = FakeArxiv()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def client(api: FakeArxiv, **kw: float) -> ArxivClient:
    kw.setdefault("delay_seconds", 0.0)
    kw.setdefault("backoff_seconds", 0.01)
    return ArxivClient(base_url=api.url, timeout=5, **kw)  # type: ignore[arg-type]


def paper_ids(records: list) -> list[str]:
    return [r.id for r in records if isinstance(r, Paper)]


def test_arxiv_etiquette_is_the_default() -> None:
    c = ArxivClient()
    assert c.delay_seconds == 3.0
    assert c.query_url_format == arxiv.Client.query_url_format == "https://export.arxiv.org/api/query?{}"


def test_id_lookup_url(api: FakeArxiv) -> None:
    got = paper_ids(list(iter_records(ids=["arXiv:1605.08386v1"], client=client(api))))
    assert got == ["arxiv:1605.08386"]
    assert api.queries == [
        "search_query=&id_list=1605.08386&sortBy=relevance&sortOrder=descending&start=0&max_results=100"
    ]


def test_multi_id_lookup_is_one_request_and_names_the_missing_id(api: FakeArxiv) -> None:
    failures: list[str] = []
    got = paper_ids(list(iter_records(ids=["0808.05394", "1707.08567"], client=client(api), failures=failures)))
    assert got == ["arxiv:1707.08567"]
    assert failures == ["arxiv:0808.05394: not found on arXiv (no entry returned)"]
    assert api.queries == [
        "search_query=&id_list=0808.05394%2C1707.08567&sortBy=relevance&sortOrder=descending&start=0&max_results=100"
    ]


def test_load_by_ids_reports_each_bad_id_and_loads_the_rest(api: FakeArxiv, store) -> None:
    ids = ["1605.08386", "abc", "0808.05394", "https://arxiv.org/abs/1707.08567"]
    report = load_arxiv(store, ids=ids, client=client(api), id_batch=1)
    assert report.failures == [
        "not an arXiv identifier: 'abc'",
        "arxiv:0808.05394: not found on arXiv (no entry returned)",
    ]
    assert store.counts()["Paper"] == 2
    assert len(api.queries) == 3  # `abc` never left the machine


def test_error_feed_raises_arxivs_message_without_retrying(api: FakeArxiv) -> None:
    c = client(api, num_retries=3)
    with pytest.raises(ArxivApiError, match="incorrect id format for abc") as info:
        list(c.results(arxiv.Search(id_list=["abc"])))
    assert info.value.status == 400
    assert len(api.queries) == 1


def test_paging_follows_start_and_max_results(api: FakeArxiv) -> None:
    got = paper_ids(list(iter_records(query="testing", max_results=30, client=client(api, page_size=10))))
    assert len(got) == 30
    assert [dict(parse_qsl(q))["start"] for q in api.queries] == ["0", "10", "20"]
    assert {dict(parse_qsl(q))["max_results"] for q in api.queries} == {"10"}
    assert (
        api.queries[0] == "search_query=testing&id_list=&sortBy=relevance&sortOrder=descending&start=0&max_results=10"
    )
    pages = [
        "q_testing_s0_m10_bc5a6c384fe9.json",
        "q_testing_s10_m10_34e56e15aaac.json",
        "q_testing_s20_m10_348a237fecab.json",
    ]
    expected = [r for name in pages for r in paper_ids(list(iter_records(from_file=FIXTURES / name)))]
    assert got == expected


def test_offset_starts_inside_the_results(api: FakeArxiv) -> None:
    c = client(api, page_size=15)
    results = list(c.results(arxiv.Search("testing", max_results=20), offset=5))
    assert len(results) == 15
    assert api.queries == ["search_query=testing&id_list=&sortBy=relevance&sortOrder=descending&start=5&max_results=15"]


def test_requests_are_spaced_by_the_delay(api: FakeArxiv) -> None:
    list(iter_records(query="testing", max_results=30, client=client(api, page_size=10, delay_seconds=0.3)))
    times = [t for t, _ in api.log]
    assert len(times) == 3
    assert all(b - a >= 0.29 for a, b in itertools.pairwise(times))


def test_a_503_is_retried_after_a_backoff(api: FakeArxiv) -> None:
    page2 = "search_query=testing&id_list=&sortBy=relevance&sortOrder=descending&start=10&max_results=10"
    api.queue(page2, (503, b"Service Unavailable"))
    got = paper_ids(
        list(iter_records(query="testing", max_results=20, client=client(api, page_size=10, backoff_seconds=0.2)))
    )
    assert len(got) == 20
    assert [dict(parse_qsl(q))["start"] for q in api.queries] == ["0", "10", "10"]
    assert api.log[2][0] - api.log[1][0] >= 0.19


def test_a_429_waits_for_retry_after(api: FakeArxiv) -> None:
    first = "search_query=testing&id_list=&sortBy=relevance&sortOrder=descending&start=0&max_results=10"
    api.queue(first, (429, b"Too Many Requests"))
    got = paper_ids(list(iter_records(query="testing", max_results=10, client=client(api, page_size=10))))
    assert len(got) == 10
    assert len(api.queries) == 2
    assert api.log[1][0] - api.log[0][0] >= 0.99  # the server said Retry-After: 1


def test_an_empty_page_is_retried(api: FakeArxiv) -> None:
    page2 = "search_query=testing&id_list=&sortBy=relevance&sortOrder=descending&start=10&max_results=10"
    api.queue(page2, (200, EMPTY_PAGE))
    got = paper_ids(list(iter_records(query="testing", max_results=20, client=client(api, page_size=10))))
    assert len(got) == 20
    assert [dict(parse_qsl(q))["start"] for q in api.queries] == ["0", "10", "10"]


def test_giving_up_keeps_what_was_fetched_and_reports_the_query(api: FakeArxiv) -> None:
    page2 = "search_query=testing&id_list=&sortBy=relevance&sortOrder=descending&start=10&max_results=10"
    api.queue(page2, *[(503, b"Service Unavailable")] * 3)
    failures: list[str] = []
    records = list(
        iter_records(
            query="testing", max_results=20, client=client(api, page_size=10, num_retries=2), failures=failures
        )
    )
    assert len(paper_ids(records)) == 10
    assert len(api.queries) == 4  # page 1, then page 2 three times
    assert len(failures) == 1
    assert failures[0].startswith("query 'testing': Page request resulted in HTTP 503")


def test_category_and_date_range_url(api: FakeArxiv) -> None:

    failures: list[str] = []
    list(
        iter_records(
            category="cs.CL",
            since=dt.date(2023, 1, 1),
            until=dt.date(2023, 12, 31),
            client=client(api),
            failures=failures,
        )
    )
    (query,) = api.queries
    assert dict(parse_qsl(query, keep_blank_values=True)) == {
        "search_query": "cat:cs.CL AND submittedDate:[202301010000 TO 202312312359]",
        "id_list": "",
        "sortBy": "submittedDate",
        "sortOrder": "ascending",
        "start": "0",
        "max_results": "100",
    }
    assert failures and "HTTP 404" in failures[0]  # nothing recorded for it: reported, not invented


def test_cli_loads_ids_through_the_api(api: FakeArxiv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    args = [
        "--db",
        str(tmp_path / "db"),
        "load",
        "arxiv",
        "--ids",
        "0808.05394,1707.08567",
        "--delay",
        "0",
        "--api-url",
        api.url,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output  # a partial load
    assert "nodes 35 added" in result.output
    assert "arxiv:0808.05394: not found on arXiv" in result.output
