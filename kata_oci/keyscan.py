"""Finding the few annotation keys a pass reads among many, in C rather than a Python step per key.

A spec may carry thousands of annotations that no Kata rule reads (a pod
author controls how many). Go and Rust walk them at a few nanoseconds a
key; a Python ``for`` over them costs 40-60 ns a key before doing
anything. :func:`keys_matching` joins the keys block by block and lets a
compiled search (``re``'s search for a literal is a tight C loop) tell
which blocks may hold a key of interest: only those keys reach the
caller's loop, which still decides key by key. Used by kata1's and go's
override pass (:mod:`kata_oci.overrides`, looking for "kata") and by
runtime-rs's (:mod:`kata_oci.profiles.rs.annotate`, its config prefix).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import compress, repeat

__all__ = ["BLOCK", "CHUNK", "LONG_KEYS", "SCAN_FROM", "keys_matching"]

#: Below this many annotations a plain loop over the keys is as fast.
SCAN_FROM = 128
#: The keys are searched in blocks of BLOCK keys; a block with a hit, in sub-blocks of CHUNK.
BLOCK = 512
CHUNK = 64
#: Keys longer than this on average are cheaper to test one by one (``str.startswith`` in C, a
#: fixed cost a key) than to join (a cost a character): a pod author chooses the keys' length.
LONG_KEYS = 128


def keys_matching(
    annotations: Mapping[str, str], may_hold: Callable[[str], bool], *, prefix: str | None = None
) -> list[str] | None:
    """The keys of every sub-block whose newline-joined text ``may_hold`` accepts, in the mapping's order.

    ``may_hold`` must accept any text holding a key of interest (a needle
    without a newline cannot span two keys, so none is missed); it may
    accept more, since whole sub-blocks are kept for the caller to decide
    key by key (a key holding a newline is then no special case). Each
    block of BLOCK keys is searched once (~20 ns a key: the list, the
    join, the search); a block with a hit is searched again in sub-blocks
    of CHUNK (a mapping of at most BLOCK keys is searched in those
    alone). ``None`` when a key is not a string: the caller then walks the
    mapping itself and says what it says of such a key.

    ``prefix``, when the keys of interest are those starting with it (and
    ``may_hold`` accepts any text with such a key at its start or after a
    newline): once a block's keys prove long (LONG_KEYS on average), the
    rest are tested key by key with ``str.startswith``, which costs the same
    for a key of a thousand characters as for one of ten.
    """
    block, chunk, long_keys = BLOCK, CHUNK, LONG_KEYS  # read at each call, so that a test may set them
    keys = list(annotations)
    found: list[str] = []
    step = block if len(keys) > block else chunk  # a few blocks: no need for a first level
    one_by_one = False
    needle = prefix if prefix is not None else ""  # (only read when prefix is given)
    for i in range(0, len(keys), step):
        part = keys[i : i + step]
        if one_by_one:
            try:
                found += compress(part, map(str.startswith, part, repeat(needle)))
            except TypeError:
                return None
            continue
        try:
            text = "\n".join(part)
        except TypeError:
            return None
        one_by_one = prefix is not None and len(text) > long_keys * len(part)
        if not may_hold(text):
            continue
        if len(part) <= chunk:
            found += part
            continue
        for j in range(0, len(part), chunk):
            sub = part[j : j + chunk]
            if may_hold("\n".join(sub)):
                found += sub
    return found
