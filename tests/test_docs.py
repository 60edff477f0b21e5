"""The repository's protocol notes: every citation of them names a section that exists, and none points outside."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
# Everything a maintainer reads: code, tests, benchmarks, scripts, the READMEs.
CHECKED = ("custom_components", "e27_emulator", "e27_cli", "tests", "benchmarks", "scripts")
CITATION = re.compile(r"docs/(api|protocol)\.md([^)\]\n;]*?)(?=docs/|[)\];\n]|$)")
SECTION = re.compile(r"§\s?(\d+(?:\.\d+)*|Appendix [A-Z])|\b(TV-\d+)")
HEADING = re.compile(r"^#{2,4} (\d+(?:\.\d+)*)\.?\s|^## (Appendix [A-Z])\.", re.MULTILINE)


def _sections(name: str) -> set[str]:
    text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    found = {number or appendix for number, appendix in HEADING.findall(text)}
    if name == "protocol":
        found |= {key for key in json.loads((DOCS / "vectors.json").read_text()) if key.startswith("TV-")}
        found |= set(re.findall(r"^\| (TV-\d+) \|", text, flags=re.MULTILINE))
    return found


def _sources() -> list[Path]:
    paths = [ROOT / "README.md"]
    for folder in CHECKED:
        paths += [
            path
            for path in (ROOT / folder).rglob("*")
            if path.is_file()
            and path.suffix in {".py", ".md", ".json", ".yaml", ".toml", ""}
            and "__pycache__" not in path.parts
        ]
    return paths


def _citations(text: str) -> list[tuple[str, str]]:
    """(document, section) for every section cited right after a docs/api.md or docs/protocol.md reference."""
    cited = []
    for match in CITATION.finditer(text):
        for number, vector in SECTION.findall(match.group(2)):
            cited.append((match.group(1), (number or vector).rstrip(".")))
    return cited


def test_the_notes_keep_the_section_numbers_of_the_research_notes() -> None:
    """Citations made against the research notes map one to one: the same top-level sections, in order."""
    for name, expected in {
        "protocol": [str(number) for number in range(14)],
        "api": [str(number) for number in range(11)] + ["Appendix A", "Appendix B"],
    }.items():
        text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
        top = re.findall(r"^## (\d+|Appendix [A-Z])\.", text, flags=re.MULTILINE)
        assert top == expected, name


def test_every_vector_of_the_notes_is_data() -> None:
    vectors = json.loads((DOCS / "vectors.json").read_text())
    assert [key for key in vectors if key.startswith("TV-")] == [f"TV-{number}" for number in range(1, 12)]
    table = re.findall(r"^\| (TV-\d+) \|", (DOCS / "protocol.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert table == [f"TV-{number}" for number in range(1, 13)]


def test_every_citation_names_a_section_that_exists() -> None:
    sections = {name: _sections(name) for name in ("api", "protocol")}
    missing = []
    count = 0
    for path in _sources():
        text = path.read_text(encoding="utf-8", errors="replace")
        for document, section in _citations(text):
            count += 1
            if section not in sections[document]:
                missing.append(f"{path.relative_to(ROOT)}: docs/{document}.md §{section}")
    assert count > 50, "the code cites the notes throughout"
    assert not missing


def test_nothing_cites_notes_outside_the_repository() -> None:
    """API.md / PROTOCOL.md without docs/ (or a path outside the repository) cannot be followed by a maintainer."""
    outside = re.compile(r"(?<![\w/])(?:API|PROTOCOL|ARCHITECTURE|STYLE)\.md|/work/shared")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources()
        if path != Path(__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
        if outside.search(line)
    ]
    assert not offenders


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(docs/api.md §5.1, §5.2)", [("api", "5.1"), ("api", "5.2")]),
        ("docs/protocol.md §4.4: see TV-11; §9 is elsewhere", [("protocol", "4.4"), ("protocol", "TV-11")]),
        ("docs/protocol.md §7–§9 and docs/api.md §8.", [("protocol", "7"), ("protocol", "9"), ("api", "8")]),
        ("docs/api.md Appendix A", []),
        ("docs/api.md §Appendix A", [("api", "Appendix A")]),
    ],
)
def test_citations_are_read_as_written(text: str, expected: list[tuple[str, str]]) -> None:
    assert _citations(text) == expected


def test_a_wrong_section_would_be_caught() -> None:
    assert "5.11" not in _sections("api")
    assert "14" not in _sections("protocol")
    assert {"5.10", "4.16", "Appendix B"} <= _sections("api")
    assert {"4.5", "13", "TV-12"} <= _sections("protocol")
