"""The hot paths give the general paths' answers: container type, sandbox ID.

The engine answers the two questions every container asks with a few
look-ups when one CRI key decides alone; any other spec (several CRI keys,
a value the CRI does not write, an empty key that the fast path uses as a
placeholder) takes the general path. :meth:`Engine.resolve` always takes the
general path, so it is the oracle here, over every combination of keys.
"""

from __future__ import annotations

import itertools

import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import Engine, KataOCIError

from helpers import spec_with

TYPE_KEYS = {
    "io.kubernetes.cri.container-type": ("sandbox", "container", "podsandbox"),
    "io.kubernetes.cri-o.ContainerType": ("sandbox", "container", "bogus"),
    "io.kubernetes.docker.type": ("podsandbox", "container", "sandbox"),
}
SID_KEYS = {
    "io.kubernetes.cri.sandbox-id": ("one", ""),
    "io.kubernetes.cri-o.SandboxID": ("one", "two"),
    "io.kubernetes.sandbox.id": ("two",),
}
EXTRA = ({}, {"": "x"}, {"example.com/a": "b", "io.katacontainers.pkg.oci.bundle_path": "/b"})


def _combinations(keys: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    names = list(keys)
    for n in range(len(names) + 1):
        for chosen in itertools.combinations(names, n):
            for values in itertools.product(*(keys[k] for k in chosen)):
                out.extend({**extra, **dict(zip(chosen, values, strict=True))} for extra in EXTRA)
    return out


def _outcome(fn: object, *args: object, **kwargs: object) -> tuple[str, object]:
    with capture_logs() as logs:
        try:
            value = fn(*args, **kwargs)  # type: ignore[operator]
        except KataOCIError as exc:
            return type(exc).__name__, str(exc)
    return "ok", (value, [e["event"] for e in logs])


@pytest.mark.parametrize("strict", [False, True])
def test_container_type_fast_path_agrees_with_the_general_path(engine: Engine, strict: bool) -> None:
    cases = _combinations(TYPE_KEYS)
    assert len(cases) > 100
    for ann in cases:
        spec = spec_with(ann)
        fast = _outcome(engine.container_type, spec, strict=strict)
        as_mapping = _outcome(engine.container_type, ann, strict=strict)
        try:
            with capture_logs() as logs:
                general: tuple[str, object] = (
                    "ok",
                    (engine.resolve(spec, strict=strict).container_type, [e["event"] for e in logs]),
                )
        except KataOCIError as exc:
            general = type(exc).__name__, str(exc)
        assert fast == general == as_mapping, ann


@pytest.mark.parametrize("strict", [False, True])
def test_sandbox_id_fast_path_agrees_with_the_general_path(engine: Engine, strict: bool) -> None:
    for ann in _combinations(SID_KEYS):
        spec = spec_with(ann)
        fast = _outcome(engine.sandbox_id, spec, strict=strict)
        try:
            with capture_logs() as logs:
                sid = engine.resolve(spec, strict=strict).sandbox_id
                events = [e["event"] for e in logs]
            general: tuple[str, object] = ("ok", (sid, events)) if sid is not None else ("missing", None)
        except KataOCIError as exc:
            general = type(exc).__name__, str(exc)
        if general[0] == "missing":
            assert fast[0] == "SandboxIDError", ann
        else:
            assert fast == general, ann


def test_module_functions_take_the_same_paths(engine: Engine) -> None:
    for ann in _combinations(TYPE_KEYS)[:60] + _combinations(SID_KEYS):
        spec = spec_with(ann)
        assert _outcome(kata_oci.container_type, spec, engine=engine) == _outcome(engine.container_type, spec)
        assert _outcome(kata_oci.sandbox_id, spec, engine=engine) == _outcome(engine.sandbox_id, spec)
        assert _outcome(kata_oci.container_type, spec, engine=engine, strict=True) == _outcome(
            engine.container_type, spec, strict=True
        )
