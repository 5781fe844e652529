"""Property: any document made from runtime-spec 1.3's fields, trimmed, zeroed and with
unknown members added anywhere, decodes and encodes back to the same JSON value."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings, strategies as st

from kata_oci import decode_spec, encode_spec

from helpers import FIXTURES

EVERY_FIELD = json.loads((FIXTURES / "lossless" / "every-field-v1.3.json").read_bytes())

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


# JSON objects that are maps in the model (their keys are data, not member names) or free-form.
MAPS = {"annotations", "sysctl", "rdma", "unified", "netDevices", "timeOffsets", "credentialSpec"}


def zero_of(value: Any) -> Any:
    return type(value)() if value is not None else None


@st.composite
def variants(draw: st.DrawFn, node: Any, is_map: bool = False) -> Any:
    """``node`` with members dropped, values zeroed and unknown members added, at every level."""
    if isinstance(node, dict) and is_map:
        return {k: v for k, v in node.items() if draw(st.booleans())}
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, item in node.items():
            choice = draw(st.sampled_from(["keep", "keep", "drop", "zero"]))
            if choice == "drop":
                continue
            if choice == "zero" and not isinstance(item, dict | list):
                out[key] = zero_of(item)
                continue
            out[key] = draw(variants(item, key in MAPS))
        for _ in range(draw(st.integers(0, 2))):
            key = draw(st.text(min_size=1, max_size=8))
            if key not in node:  # an unknown member (a name the model does not know)
                out[key] = draw(JSON_VALUES)
        return out
    if isinstance(node, list):
        return [draw(variants(item)) for item in node if draw(st.booleans()) or len(node) == 1]
    return node


@settings(max_examples=50, deadline=None, database=None)
@given(variants(EVERY_FIELD))
def test_any_document_of_known_and_unknown_members_round_trips(doc: dict[str, Any]) -> None:
    data = json.dumps(doc).encode()
    spec = decode_spec(data)
    assert json.loads(encode_spec(spec)) == doc
    again = decode_spec(encode_spec(spec))
    assert again == spec
    assert json.loads(encode_spec(again)) == doc
