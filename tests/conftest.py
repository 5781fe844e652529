"""Shared fixtures: engines over the built-in plugins, default-engine isolation."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

import kata_oci
from kata_oci.engine import reset_default_engine

# CI (CI=true) draws each property's examples from a fixed seed, so whether a
# submission lands never depends on a rare random draw; a developer's run
# explores new examples every time, and a failure it finds becomes a test.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def builtin_plugins() -> list[object]:
    import kata_oci_containerd
    import kata_oci_crio
    import kata_oci_dockershim

    return [kata_oci_containerd, kata_oci_crio, kata_oci_dockershim]


@pytest.fixture
def engine(builtin_plugins: list[object]) -> kata_oci.Engine:
    """An engine over the three built-in CRI plugins, no entry points scanned."""
    return kata_oci.Engine.from_plugins(builtin_plugins)


@pytest.fixture
def fresh_default_engine() -> Iterator[None]:
    """Rebuild the default engine before and after a test that changes plugins."""
    reset_default_engine()
    yield
    reset_default_engine()


@pytest.fixture(autouse=True, scope="session")
def _private_plugin_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the kata-oci command's plugin snapshot (kata_oci.snapshot) out of the user's home."""
    import os

    old = os.environ.get("KATA_OCI_CACHE_DIR")
    os.environ["KATA_OCI_CACHE_DIR"] = str(tmp_path_factory.mktemp("kata-oci-cache"))
    yield
    if old is None:
        del os.environ["KATA_OCI_CACHE_DIR"]
    else:
        os.environ["KATA_OCI_CACHE_DIR"] = old
