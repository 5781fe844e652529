"""The repository's packaging files: one LICENSE and NOTICE, copied into every distribution's directory."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from helpers import ROOT

PROJECTS = [ROOT, *sorted((ROOT / "plugins").glob("*/")), ROOT / "packages" / "kata-oci"]


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_license_and_notice_are_the_roots(project: Path) -> None:
    for name in ("LICENSE", "NOTICE"):
        assert (project / name).read_bytes() == (ROOT / name).read_bytes(), f"{project}/{name}"
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "Apache-2.0"
    assert meta["license-files"] == ["LICENSE", "NOTICE"]
    assert meta["urls"]["Homepage"].startswith("https://")
    readme = (project / meta["readme"]).read_text()
    assert "](../" not in readme


def test_license_is_the_full_apache_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    notice = (ROOT / "NOTICE").read_text()
    for shipped in sorted((ROOT / "kata_oci" / "data").rglob("*.toml")):
        assert str(shipped.relative_to(ROOT)) in notice, f"NOTICE does not name {shipped}"


def test_plugins_depend_on_the_core_not_the_umbrella() -> None:
    for project in (ROOT / "plugins").glob("*/"):
        deps = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
        assert any(d.startswith("kata-oci-core") for d in deps), project
        assert not any(d.split(">")[0].split("=")[0].strip() == "kata-oci" for d in deps), project
