"""The ``enable_annotations`` gate and Kata's annotation prefixes: Kata 1.x's rule, and Kata 4.1 Go's.

A hypervisor annotation (``io.katacontainers.config.hypervisor.<suffix>``)
applies only when one of the configuration's ``enable_annotations`` patterns
matches its suffix: an unanchored RE2 search, as Go's ``regexp.MatchString``
(a pattern that does not compile matches nothing). Kata 1.x and Kata 4.1's
Go runtime share the rule, so the shared applier (:mod:`kata_oci.overrides`)
asks it here, beneath the profiles. runtime-rs gates by its own rule (a
``RegexSet``: one invalid pattern enables nothing), in
:mod:`kata_oci.profiles.rs.annotate`.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["KATA_ANNOTATIONS_PREFIX", "KATA_ANNOT_HYPERVISOR_PREFIX", "KATA_CONF_ANNOTATIONS_PREFIX", "gate"]

KATA_ANNOTATIONS_PREFIX = "io.katacontainers."
KATA_CONF_ANNOTATIONS_PREFIX = KATA_ANNOTATIONS_PREFIX + "config."
KATA_ANNOT_HYPERVISOR_PREFIX = KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor."


# Gate answers by pattern set, then by key suffix: the pattern that enables
# the suffix, or None. Suffixes come from untrusted annotations, so each
# pattern set keeps at most _GATE_CACHE_SIZE of them.
_GATE_CACHE_SIZE = 4096
_GATE_CACHE_KEY_MAX = 256  # longer suffixes are no Kata key: not worth keeping
_gates: dict[tuple[str, ...], tuple[dict[str, str | None], Callable[[str], str | None]]] = {}


def gate(patterns: tuple[str, ...]) -> tuple[dict[str, str | None], Callable[[str], str | None]]:
    """The answers cached for ``patterns``, and the function that computes (and caches) a new one.

    The function returns the first pattern of ``patterns`` that matches a
    hypervisor key suffix, or ``None``. Regexes are compiled once per
    distinct pattern (in :mod:`kata_oci.golang`), and both the answers and
    the function are kept per pattern set, so a conversion pays one dict
    look-up per key.
    """
    found = _gates.get(patterns)
    if found is not None:
        return found
    from kata_oci.golang import compile_regexp

    cache: dict[str, str | None] = {}

    def compute(suffix: str) -> str | None:
        match: str | None = None
        for pattern in patterns:
            rx = compile_regexp(pattern)
            if rx is not None and rx.search(suffix):
                match = pattern
                break
        if len(cache) < _GATE_CACHE_SIZE and len(suffix) <= _GATE_CACHE_KEY_MAX:
            cache[suffix] = match
        return match

    if len(_gates) >= 64:
        _gates.clear()
    _gates[patterns] = (cache, compute)
    return cache, compute
