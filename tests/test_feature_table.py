"""The feature table's claims cite tests: every cited test must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from helpers import ROOT

# `test_x.py::test_y` (under tests/) or `some/path/test_x.py::test_y` (from the root)
CITATION = re.compile(r"`((?:[\w.-]+/)*test_\w+\.py)::(test_\w+)`")


def _documents() -> list[Path]:
    return [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_cited_test_exists() -> None:
    citations = [
        (doc.name, file, name)
        for doc in _documents()
        if doc.exists()
        for file, name in CITATION.findall(doc.read_text())
    ]
    assert len(citations) >= 30  # the feature table cites tests for each claim
    missing = []
    for doc, file, name in citations:
        path = ROOT / file if "/" in file else ROOT / "tests" / file
        if not path.exists() or name not in _test_functions(path):
            missing.append(f"{doc}: {file}::{name}")
    assert missing == []
