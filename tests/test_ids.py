"""The id normaliser: every spelling of a paper is one node, and normalising twice changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.ids import InvalidIdError, arxiv_node_id, author_id, normalize_id, parse_arxiv_id

new_ids = st.from_regex(r"\A[0-9]{4}\.[0-9]{4,5}\Z")
versions = st.one_of(st.none(), st.integers(min_value=1, max_value=99))
# Real archives from the pre-2007 scheme; math and cs also appear with a subject class.
archives = st.sampled_from(
    [
        "hep-th",
        "hep-ph",
        "hep-ex",
        "hep-lat",
        "astro-ph",
        "cond-mat",
        "gr-qc",
        "quant-ph",
        "nucl-th",
        "math",
        "cs",
        "physics",
        "math-ph",
        "nlin",
        "q-bio",
    ]
)
old_numbers = st.from_regex(r"\A[0-9]{7}\Z")

ARXIV_SPELLINGS = [
    "{id}",
    "arXiv:{id}",
    "arxiv:{id}",
    "ARXIV:{id}",
    "https://arxiv.org/abs/{id}",
    "http://arxiv.org/abs/{id}/",
    "https://export.arxiv.org/abs/{id}",
    "https://www.arxiv.org/pdf/{id}",
    "https://arxiv.org/pdf/{id}.pdf",
    "arxiv.org/abs/{id}",
    "10.48550/arXiv.{id}",
    "doi:10.48550/arXiv.{id}",
    "https://doi.org/10.48550/arXiv.{id}",
    "  {id}\n",
]
spellings = st.sampled_from(ARXIV_SPELLINGS)


def with_version(base: str, version: int | None, upper: bool = False) -> str:
    return base if version is None else f"{base}{'V' if upper else 'v'}{version}"


@given(new_ids, versions, spellings, st.booleans())
def test_any_spelling_of_a_new_style_id_is_one_node(base: str, version: int | None, spelling: str, upper: bool) -> None:
    raw = spelling.format(id=with_version(base, version, upper and "doi" not in spelling.lower()))
    assert normalize_id(raw) == f"arxiv:{base}"
    assert arxiv_node_id(raw) == f"arxiv:{base}"
    if "doi" not in spelling.lower():
        assert parse_arxiv_id(raw) == (base, version)


@given(new_ids, versions, spellings)
def test_normalising_is_idempotent(base: str, version: int | None, spelling: str) -> None:
    once = normalize_id(spelling.format(id=with_version(base, version)))
    assert normalize_id(once) == once
    assert arxiv_node_id(once) == once


@given(
    archives, old_numbers, versions, st.sampled_from(["{id}", "arXiv:{id}", "https://arxiv.org/abs/{id}"]), st.data()
)
def test_old_style_archives_are_lower_case(
    archive: str, number: str, version: int | None, spelling: str, data: st.DataObject
) -> None:
    cased = "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) for c in archive)
    raw = spelling.format(id=with_version(f"{cased}/{number}", version))
    assert normalize_id(raw) == f"arxiv:{archive}/{number}"
    assert parse_arxiv_id(raw) == (f"{archive}/{number}", version)
    assert normalize_id(normalize_id(raw)) == normalize_id(raw)


@given(st.sampled_from(["math", "cs"]), st.from_regex(r"\A[A-Za-z]{2}\Z"), old_numbers, versions)
def test_old_style_subject_classes_are_upper_case(archive: str, subject: str, number: str, version: int | None) -> None:
    raw = with_version(f"{archive.upper()}.{subject}/{number}", version)
    assert normalize_id(raw) == f"arxiv:{archive}.{subject.upper()}/{number}"


@given(st.text(min_size=1, max_size=40))
def test_any_text_either_normalises_idempotently_or_raises_invalid_id(raw: str) -> None:
    """No other exception type escapes, so callers can catch one error and report it."""
    try:
        once = normalize_id(raw)
    except InvalidIdError as exc:
        assert str(exc)
        return
    assert normalize_id(once) == once


@given(st.text(alphabet=st.characters(categories=["L", "Zs"]), min_size=1, max_size=30))
def test_author_ids_ignore_spacing_and_case(name: str) -> None:
    try:
        aid = author_id(name)
    except InvalidIdError:
        return
    assert author_id("  " + name.upper().replace(" ", "   ") + " ") == author_id(name.upper())
    assert normalize_id(aid) == aid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2310.06825v2", "arxiv:2310.06825"),
        ("hep-th/9901001", "arxiv:hep-th/9901001"),
        ("HEP-TH/9901001v2", "arxiv:hep-th/9901001"),
        ("astro-ph/0601001", "arxiv:astro-ph/0601001"),
        ("math.ag/0601001", "arxiv:math.AG/0601001"),
        ("10.1103/PhysRevD.76.013009", "doi:10.1103/physrevd.76.013009"),
        ("Model:mistral-7b", "model:mistral-7b"),
    ],
)
def test_examples(raw: str, expected: str) -> None:
    assert normalize_id(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "2310.068", "arxiv:", "hep-th/990100", "2310.06825v", ""])
def test_not_ids(raw: str) -> None:
    with pytest.raises(InvalidIdError):
        normalize_id(raw)


def test_the_error_names_the_input() -> None:
    with pytest.raises(InvalidIdError, match=r"not an arXiv identifier: 'abc'"):
        parse_arxiv_id("abc")
