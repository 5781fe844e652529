"""Kubernetes resource quantities (``250m``, ``320Mi``, ``1.5``, ``1e3``), exactly.

apimachinery's ``resource.ParseQuantity`` grammar: a signed decimal number
followed by a binary-SI suffix (``Ki Mi Gi Ti Pi Ei``), a decimal-SI suffix
(``n u m "" k M G T P E``) or a decimal exponent (``e3``, ``E-2``). Values are
kept as integers in nano-units (:data:`NANO` per unit, the finest scale a
Quantity has: a finer value rounds up to 1n, as Kubernetes does), so sums stay
exact and cheap; :func:`milli_value` and :func:`value` round up as
``Quantity.MilliValue()`` and ``Quantity.Value()`` do (kubelet uses the first
for CPU, the second for memory bytes). A JSON or YAML number is read as its
decimal text, as the API server's JSON decoder does. Parsing is memoised: a
manifest repeats the same few quantities.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction
from typing import Any, Final

__all__ = ["NANO", "QuantityError", "milli_value", "parse_quantity", "value"]

#: Nano-units per unit: quantities are integers of 1n.
NANO: Final = 10**9

_NUMBER: Final = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)", re.DOTALL)
_EXPONENT: Final = re.compile(r"[eE]([+-]?[0-9]+)")
_SUFFIXES: Final[dict[str, Fraction]] = {
    "": Fraction(1),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_MAX_EXPONENT: Final = 1000  # far beyond any int64 quantity; keeps Fraction arithmetic bounded


class QuantityError(ValueError):
    """Not a quantity (the API server's "quantities must match the regular expression ...")."""


def parse_quantity(raw: Any) -> int:
    """The value of a quantity given as a string or a JSON/YAML number, in nano-units (rounded up)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise QuantityError(f"a quantity must be a string or a number, not {type(raw).__name__}")
    text = raw if isinstance(raw, str) else (str(raw) if isinstance(raw, int) else repr(raw))
    return _parse(text)


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> int:
    m = _NUMBER.fullmatch(text)
    if m is None or len(text) > 128:
        raise QuantityError(
            f"quantity {text[:64]!r} must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    number, suffix = m.groups()
    scale = _SUFFIXES.get(suffix)
    if scale is None:
        e = _EXPONENT.fullmatch(suffix)
        if e is None or abs(int(e.group(1))) > _MAX_EXPONENT:
            raise QuantityError(f"quantity {text[:64]!r}: unknown suffix {suffix[:16]!r}")
        scale = Fraction(10) ** int(e.group(1))
    return math.ceil(Fraction(number) * scale * NANO)


def milli_value(q: int) -> int:
    """``Quantity.MilliValue()`` of a nano-unit value: thousandths, rounded up."""
    return -(-q // 10**6)


def value(q: int) -> int:
    """``Quantity.Value()`` of a nano-unit value: the integer value, rounded up."""
    return -(-q // NANO)
