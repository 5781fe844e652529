"""Helpers shared by the tests: paths and the optional ../shared corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import kata_oci

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
ROOT = HERE.parent
# ../shared beside the clone; KATA_OCI_SHARED points elsewhere (a git worktree has none beside it).
SHARED = Path(os.environ.get("KATA_OCI_SHARED") or ROOT.parent / "shared").resolve()


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when that data is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared is only on the developers' machines)")
    return path


def spec_with(annotations: dict[str, str] | None) -> kata_oci.Spec:
    return kata_oci.Spec(annotations=annotations)
