"""Rewrite each example bundle's expected `kata-oci check` transcript (check.txt).

    uv run python examples/regenerate.py

tests/test_examples.py runs the same commands and compares with these files, so
run this after a deliberate change of output, and review the diff.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLES = ROOT / "examples" / "bundles"
CONFIG = "kata_oci/data/configuration.toml"


def transcript(bundle: Path) -> str:
    """`kata-oci check` on one bundle, with the shipped configuration, as a transcript."""
    rel = bundle.relative_to(ROOT).as_posix()
    cmd = [sys.executable, "-m", "kata_oci", "check", rel, "--config", CONFIG]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    return (
        f"$ kata-oci check {rel} --config {CONFIG}\n"
        f"{result.stdout}{result.stderr}"
        f"[exit status {result.returncode}]\n"
    )


def main() -> None:
    for bundle in sorted(p for p in BUNDLES.iterdir() if (p / "config.json").exists()):
        (bundle / "check.txt").write_text(transcript(bundle))
        print(f"wrote {(bundle / 'check.txt').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
