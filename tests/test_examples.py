"""The example bundles: each one's `kata-oci check` transcript is kept true."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers import ROOT

sys.path.insert(0, str(ROOT / "examples"))
import regenerate

BUNDLES = sorted(p for p in (ROOT / "examples" / "bundles").iterdir() if (p / "config.json").exists())


@pytest.mark.parametrize("bundle", BUNDLES, ids=[b.name for b in BUNDLES])
def test_check_transcript_is_current(bundle: Path) -> None:
    expected = (bundle / "check.txt").read_text()
    assert regenerate.transcript(bundle) == expected


def test_the_examples_cover_what_the_readme_promises() -> None:
    names = {b.name for b in BUNDLES}
    assert {
        "containerd-pod-sandbox",
        "containerd-pod-container",
        "crio-pod-sandbox",
        "crio-pod-container",
        "runc-container",
        "containerd-rejected",
    } <= names
    rejected = (ROOT / "examples" / "bundles" / "containerd-rejected" / "check.txt").read_text()
    assert "[exit status 1]" in rejected
    assert "rejected " in rejected and "unknown " in rejected and "applied " in rejected
