"""Rust parsing rules, reproduced exactly where runtime-rs (kata-types 4.1.0) depends on them.

runtime-rs reads annotations and configuration values with Rust's standard library and a few
crates, whose rules differ from Go's (:mod:`kata_oci.golang`) and from Python's:

* :func:`trim` is ``str::trim`` (Unicode ``White_Space``, not Python's :meth:`str.strip`);
* :func:`parse_int` and the ``parse_u32``... helpers are ``str::parse`` for the integer types:
  one optional ``+`` (``-`` only for signed types), ASCII digits, nothing else;
* :func:`parse_f32` is ``str::parse::<f32>``: decimal or exponent notation, ``inf``,
  ``infinity`` and ``nan`` in any case, correctly rounded to the nearest ``f32``;
* :func:`parse_bool` is ``str::parse::<bool>``: exactly ``true`` or ``false``;
* :func:`parse_byte_size` is ``byte_unit::Byte::parse_str(s, true)`` of byte-unit 5.2.3 (the
  version in Kata 4.1.0's Cargo.lock, default features: no ``u128``), and
  :func:`convert_to_megabytes` is kata-types' use of it for ``default_memory``;
* :class:`GlobPattern` is ``glob::Pattern`` (glob 0.3.3) matched with the default
  ``MatchOptions``, where ``*`` crosses ``/``; :func:`validate_path_pattern` is kata-types'
  allow-list check built on it;
* :class:`RegexSet` is the ``regex`` crate's ``RegexSet`` (1.12), run by RE2 after a scan that
  applies Rust's syntax (see its docstring for what is translated and what is refused).

Every parser raises :class:`RustParseError` (a ``ValueError``) with Rust's error text.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

__all__ = [
    "RUST_WHITESPACE",
    "GlobPattern",
    "GlobPatternError",
    "RegexSet",
    "RegexSyntaxError",
    "RustParseError",
    "convert_to_megabytes",
    "parse_bool",
    "parse_byte_size",
    "parse_f32",
    "parse_i32",
    "parse_i64",
    "parse_int",
    "parse_u32",
    "parse_u64",
    "parse_usize",
    "regex_set",
    "trim",
    "validate_path_pattern",
]


class RustParseError(ValueError):
    """A value Rust's ``FromStr`` (or byte-unit) would not parse; ``str()`` is Rust's text."""

    def __init__(self, what: str, value: str, reason: str) -> None:
        self.what = what
        self.value = value
        self.reason = reason
        super().__init__(reason)


# --------------------------------------------------------------------------- str::trim

RUST_WHITESPACE: Final = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""The code points with Unicode's ``White_Space`` property (``char::is_whitespace``)."""

_WS: Final = "".join(sorted(RUST_WHITESPACE))


def trim(s: str) -> str:
    """``str::trim``: strip ``White_Space`` code points (not ``\\x1c``-``\\x1f`` as Python does)."""
    return s.strip(_WS)


# --------------------------------------------------------------------------- str::parse

_INT_ERRORS: Final = {
    "empty": "cannot parse integer from empty string",
    "digit": "invalid digit found in string",
    "pos": "number too large to fit in target type",
    "neg": "number too small to fit in target type",
}


def parse_int(s: str, bits: int, signed: bool) -> int:
    """``s.parse::<iN/uN>()``: Rust's ``from_str_radix(s, 10)``.

    One leading ``+`` is allowed (``-`` too for a signed type); a sign alone, spaces, ``_``,
    non-ASCII digits are invalid. Rust reads left to right and stops at the first problem, so
    ``"99999999999x"`` is out of range for a ``u32`` while ``"x9"`` is an invalid digit.
    """
    what = f"{'i' if signed else 'u'}{bits}"
    if s == "":
        raise RustParseError(what, s, _INT_ERRORS["empty"])
    digits = s
    negative = False
    if s[0] in "+-" and len(s) == 1:
        raise RustParseError(what, s, _INT_ERRORS["digit"])
    if s[0] == "+":
        digits = s[1:]
    elif s[0] == "-" and signed:
        digits = s[1:]
        negative = True
    limit = (1 << (bits - 1)) if signed else (1 << bits) - 1  # |min| for negatives
    if not negative and signed:
        limit -= 1
    if len(digits) <= 18 and digits.isascii() and digits.isdigit():
        n = int(digits)
        if n <= limit:
            return -n if negative else n
        raise RustParseError(what, s, _INT_ERRORS["neg" if negative else "pos"])
    n = 0
    for ch in digits:
        if not "0" <= ch <= "9":
            raise RustParseError(what, s, _INT_ERRORS["digit"])
        n = n * 10 + (ord(ch) - 48)
        if n > limit:
            raise RustParseError(what, s, _INT_ERRORS["neg" if negative else "pos"])
    return -n if negative else n


def parse_u32(s: str) -> int:
    """``s.parse::<u32>()``."""
    return parse_int(s, 32, False)


def parse_u64(s: str) -> int:
    """``s.parse::<u64>()``."""
    return parse_int(s, 64, False)


def parse_usize(s: str) -> int:
    """``s.parse::<usize>()`` on a 64-bit host (the only hosts runtime-rs builds for)."""
    return parse_int(s, 64, False)


def parse_i32(s: str) -> int:
    """``s.parse::<i32>()``."""
    return parse_int(s, 32, True)


def parse_i64(s: str) -> int:
    """``s.parse::<i64>()``."""
    return parse_int(s, 64, True)


def parse_bool(s: str) -> bool:
    """``s.parse::<bool>()``: exactly ``"true"`` or ``"false"``, case and spaces matter."""
    if s == "true":
        return True
    if s == "false":
        return False
    raise RustParseError("bool", s, "provided string was not `true` or `false`")


_FLOAT_RE: Final = re.compile(
    r"[+-]?(?:(?i:inf|infinity|nan)|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
)
_F32_MAX: Final = 3.4028234663852886e38
_F32_OVERFLOW: Final = Decimal(2**128 - 2**103)


def _f64_to_f32(x: float) -> float:
    """Round a double to the nearest float (ties to even), overflowing to infinity."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)


def _f32_step(y: float, up: bool) -> float:
    """The float next to the non-negative float ``y``, away from zero when ``up``."""
    bits = struct.unpack("<I", struct.pack("<f", y))[0]
    bits = bits + 1 if up else bits - 1
    if bits >= 0x7F800000:
        return math.inf
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def parse_f32(s: str) -> float:
    """``s.parse::<f32>()``: the nearest ``f32`` (as a Python float) to the decimal ``s``.

    Accepts ``[+-]`` then ``inf``/``infinity``/``nan`` in any case, or digits with an optional
    ``.`` and exponent (``1.``, ``.5``, ``1e5``); no spaces, ``_``, hex or non-ASCII digits.
    Rounding is correct even where rounding to a double first would round twice wrongly.
    """
    if _FLOAT_RE.fullmatch(s) is None or s.isascii() is False:
        raise RustParseError("f32", s, "invalid float literal")
    x = float(s)
    if math.isnan(x) or math.isinf(x):
        return x
    y = _f64_to_f32(x)
    if math.isinf(y):
        # x rounded to the double 2^128 - 2^103 (halfway above f32::MAX, itself a double):
        # only a decimal at or above it overflows (ties to even go to infinity).
        if Decimal(s).copy_abs() < _F32_OVERFLOW:
            return math.copysign(_F32_MAX, x)
        return y
    if y == x:
        return y
    # Was x exactly halfway between two floats? Then the decimal decides, not x.
    ax, ay = abs(x), abs(y)
    other = _f32_step(ay, ax > ay)
    if math.isinf(other) or (ay + other) / 2 != ax:
        return y
    exact = Decimal(s).copy_abs()  # exact: abs() would round to the context's 28 digits
    mid = Decimal(ax)
    if exact == mid:
        return y
    far = max(ay, other) if exact > mid else min(ay, other)
    return math.copysign(far, x)


# --------------------------------------------------------------------------- byte-unit 5.2.3

_DECIMAL_MAX: Final = (1 << 96) - 1  # rust_decimal's largest mantissa
_DECIMAL_MAX_SCALE: Final = 28
_U64_MAX: Final = (1 << 64) - 1

# Unit prefix -> (decimal bytes, binary bytes) for byte units; bit units are an eighth of these.
_PREFIXES: Final = {
    "K": (10**3, 1 << 10),
    "M": (10**6, 1 << 20),
    "G": (10**9, 1 << 30),
    "T": (10**12, 1 << 40),
    "P": (10**15, 1 << 50),
    "E": (10**18, 1 << 60),
}


def _unit_error(s: str, ch: str) -> RustParseError:
    return RustParseError("byte", s, f"unexpected character {ch!r} in the unit")


def _read_b(s: str, rest: str, default_byte: bool) -> bool:
    """byte-unit's ``read_b`` after a ``b``/``B``: ``""`` -> bytes, ``it``/``its`` -> bits."""
    if rest == "":
        return default_byte
    low = rest.lower()
    if low in ("it", "its"):
        return False
    bad = next((c for c, want in zip(low, "its", strict=False) if c != want), None)
    raise _unit_error(s, bad if bad is not None else rest[len("its") :][:1] or rest[-1])


def _unit_bytes(s: str, unit: str) -> Fraction:
    """The size of one ``unit`` in bytes (``read_xib`` with ``ignore_case`` and ``prefer_byte``)."""
    if unit == "":
        return Fraction(1)
    head, rest = unit[0], unit[1:]
    up = head.upper() if head.isascii() else head
    if up == "B":
        return Fraction(1) if _read_b(s, rest, True) else Fraction(1, 8)
    if up not in _PREFIXES:
        raise _unit_error(s, head)
    binary = False
    if rest[:1] in ("i", "I"):
        binary = True
        rest = rest[1:]
    if rest == "":
        byte = True
    elif rest[0] in "bB":
        byte = _read_b(s, rest[1:], True)
    else:
        raise _unit_error(s, rest[0])
    size = _PREFIXES[up][1 if binary else 0]
    return Fraction(size) if byte else Fraction(size, 8)


def parse_byte_size(s: str) -> int:
    """``byte_unit::Byte::parse_str(s, true)``: a size in bytes.

    ``s`` is trimmed, then: ASCII digits, an optional ``.`` with at least one digit after it,
    any number of ASCII spaces, and a unit: nothing or ``B`` (bytes), ``K M G T P E`` alone or
    followed by ``B`` (decimal: ``2G`` is 2 000 000 000 bytes), with ``i`` for binary (``2Gi``,
    ``2 GiB``), any case; ``b``-units followed by ``it``/``its`` are bits. Fractions are rounded
    up to a whole byte; more than 28 decimals, 96-bit mantissas and sizes above
    ``u64::MAX`` are errors, as in byte-unit (no ``u128`` feature: no ``Z``/``Y`` units).
    """
    t = trim(s)
    if t == "":
        raise RustParseError("byte", s, "no value")
    if not "0" <= t[0] <= "9":
        raise RustParseError("byte", s, f"{t[0]!r} is not a number")
    i = 0
    n = len(t)
    value = 0
    while i < n and "0" <= t[i] <= "9":
        value = value * 10 + (ord(t[i]) - 48)
        if value > _DECIMAL_MAX:
            raise RustParseError("byte", s, "the number is too long")
        i += 1
    size = Fraction(value)
    if i < n and t[i] == ".":
        i += 1
        scale = 0
        while i < n and "0" <= t[i] <= "9":
            scale += 1
            if scale > _DECIMAL_MAX_SCALE:
                raise RustParseError("byte", s, "the number is too long")
            size += Fraction(ord(t[i]) - 48, 10**scale)
            i += 1
        if scale == 0:
            raise RustParseError("byte", s, f"{(t[i] if i < n else '.')!r} is not a number")
    while i < n and t[i] == " ":
        i += 1
    unit = _unit_bytes(s, t[i:])
    if unit == Fraction(1, 8):  # Unit::Bit: divide, round up
        total = Fraction(math.ceil(size / 8))
    elif unit == 1:
        total = size
    else:
        total = size * unit
        if total > _DECIMAL_MAX:
            raise RustParseError("byte", s, "the value exceeds the bounds")
    whole = math.ceil(total)
    if whole > _U64_MAX:
        raise RustParseError("byte", s, "the value exceeds the bounds")
    return whole


def _as_u32(x: float) -> int:
    """Rust's ``f64 as u32``: truncate toward zero, saturate, NaN -> 0."""
    if math.isnan(x):
        return 0
    if x <= 0:
        return 0
    if x >= 4294967295:
        return 4294967295
    return int(x)


def convert_to_megabytes(value: str) -> int | None:
    """kata-types' ``convert_to_megabytes``: MiB for ``default_memory``, None if unparsable.

    A bare number (ASCII digits after trimming) is MiB; anything else goes through
    :func:`parse_byte_size` and is converted to MiB as a double, truncated (``1 KiB`` is 0).
    None is what runtime-rs logs as "failed to parse byte" and then ignores.

    Raises:
        RustParseError: a bare number whose MiB exceed ``u64::MAX`` bytes (runtime-rs fails
            the sandbox with "failed to convert N to MiB").
    """
    try:
        size = parse_byte_size(value)
    except RustParseError:
        return None
    t = trim(value)
    if t.isascii() and t.isdigit():
        size *= 1 << 20
        if size > _U64_MAX:
            raise RustParseError("byte", value, f"failed to convert {size >> 20} to MiB")
    return _as_u32(float(size) / float(1 << 20))


# --------------------------------------------------------------------------- glob 0.3.3

_ERROR_WILDCARDS: Final = "wildcards are either regular `*` or recursive `**`"
_ERROR_RECURSIVE_WILDCARDS: Final = "recursive wildcards must form a single path component"
_ERROR_INVALID_RANGE: Final = "invalid range pattern"

# Token kinds
_CHAR, _ANY_CHAR, _ANY_SEQ, _ANY_REC, _WITHIN, _EXCEPT = range(6)


class GlobPatternError(ValueError):
    """``glob::PatternError``: ``pos`` (in characters) and ``msg``."""

    def __init__(self, pos: int, msg: str) -> None:
        self.pos = pos
        self.msg = msg
        super().__init__(f"Pattern syntax error near position {pos}: {msg}")


def _specifiers(chars: Sequence[str]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(chars):
        if i + 3 <= len(chars) and chars[i + 1] == "-":
            out.append((chars[i], chars[i + 2]))
            i += 3
        else:
            out.append((chars[i], chars[i]))
            i += 1
    return tuple(out)


class GlobPattern:
    """``glob::Pattern::new(pattern)``, matched with ``MatchOptions::new()``.

    Default options: case-sensitive, ``*``, ``?`` and ``[...]`` match ``/`` too, a leading
    ``.`` needs no literal dot. ``**`` must be a whole path component (else an error), and
    matches the empty string, anything ending in ``/``, or everything up to the end.
    Matching is a table over (token, position): linear in pattern times text.
    """

    __slots__ = ("_tokens", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        chars = list(pattern)
        tokens: list[tuple[int, Any]] = []
        i = 0
        n = len(chars)
        while i < n:
            c = chars[i]
            if c == "?":
                tokens.append((_ANY_CHAR, None))
                i += 1
            elif c == "*":
                old = i
                while i < n and chars[i] == "*":
                    i += 1
                count = i - old
                if count > 2:
                    raise GlobPatternError(old + 2, _ERROR_WILDCARDS)
                if count == 2:
                    if i == 2 or chars[i - count - 1] == "/":
                        if i < n and chars[i] == "/":
                            i += 1
                        elif i != n:
                            raise GlobPatternError(i, _ERROR_RECURSIVE_WILDCARDS)
                    else:
                        raise GlobPatternError(old - 1, _ERROR_RECURSIVE_WILDCARDS)
                    if not (len(tokens) > 1 and tokens[-1][0] == _ANY_REC):
                        tokens.append((_ANY_REC, None))
                else:
                    tokens.append((_ANY_SEQ, None))
            elif c == "[":
                if i + 4 <= n and chars[i + 1] == "!":
                    try:
                        j = chars.index("]", i + 3) - (i + 3)
                    except ValueError:
                        j = -1
                    if j >= 0:
                        tokens.append((_EXCEPT, _specifiers(chars[i + 2 : i + 3 + j])))
                        i += j + 4
                        continue
                elif i + 3 <= n and chars[i + 1] != "!":
                    try:
                        j = chars.index("]", i + 2) - (i + 2)
                    except ValueError:
                        j = -1
                    if j >= 0:
                        tokens.append((_WITHIN, _specifiers(chars[i + 1 : i + 2 + j])))
                        i += j + 3
                        continue
                raise GlobPatternError(i, _ERROR_INVALID_RANGE)
            else:
                tokens.append((_CHAR, c))
                i += 1
        self._tokens = tuple(tokens)

    def matches(self, s: str) -> bool:
        """``Pattern::matches(s)`` with the default options."""
        tokens = self._tokens
        # Literal characters at both ends must be the text's own ends: check them first, so
        # an allow-list pattern like "/usr/bin/qemu*" costs one comparison, not a table.
        head = 0
        while head < len(tokens) and tokens[head][0] == _CHAR:
            head += 1
        tail = len(tokens)
        while tail > head and tokens[tail - 1][0] == _CHAR:
            tail -= 1
        prefix = "".join(t[1] for t in tokens[:head])
        suffix = "".join(t[1] for t in tokens[tail:])
        if len(prefix) + len(suffix) > len(s) or not s.startswith(prefix) or not s.endswith(suffix):
            return False
        middle = tokens[head:tail]
        if not middle:
            return len(prefix) + len(suffix) == len(s)
        if all(kind == _ANY_SEQ for kind, _ in middle):
            return True
        if len(suffix) and any(kind == _ANY_REC for kind, _ in middle):
            return self._table(tokens, s)  # "**" depends on what precedes it: no shortcut
        return self._table(middle, s[len(prefix) : len(s) - len(suffix)])

    @staticmethod
    def _table(tokens: Sequence[tuple[int, Any]], s: str) -> bool:
        n = len(s)
        # ok[p]: do the tokens from the current one on match s[p:]?
        ok = [False] * (n + 1)
        ok[n] = True
        for kind, arg in reversed(tokens):
            new = [False] * (n + 1)
            if kind == _ANY_SEQ:
                acc = False
                for p in range(n, -1, -1):
                    acc = acc or ok[p]
                    new[p] = acc
            elif kind == _ANY_REC:
                # empty, or a run ending just after a "/", or the whole rest of the text
                acc = False  # some q > p with s[q-1] == "/" and ok[q]
                for p in range(n, -1, -1):
                    new[p] = ok[p] or acc or ok[n]
                    if p > 0 and s[p - 1] == "/" and ok[p]:
                        acc = True
            else:
                for p in range(n):
                    if not ok[p + 1]:
                        continue
                    c = s[p]
                    if kind == _CHAR:
                        hit = c == arg
                    elif kind == _ANY_CHAR:
                        hit = True
                    else:
                        inside = any(lo <= c <= hi for lo, hi in arg)
                        hit = inside if kind == _WITHIN else not inside
                    new[p] = hit
            ok = new
        return ok[0]

    def __repr__(self) -> str:
        return f"GlobPattern({self.pattern!r})"


def validate_path_pattern(patterns: Iterable[str], path: str) -> bool:
    """kata-types' ``validate_path_pattern``: does ``path`` match one of the glob ``patterns``?

    Patterns that do not compile are skipped; nothing is looked up on disk. runtime-rs answers
    "Path {path} is not permitted" when this is False.
    """
    for p in patterns:
        try:
            pattern = GlobPattern(p)
        except GlobPatternError:
            continue
        if pattern.matches(path):
            return True
    return False


# --------------------------------------------------------------------------- regex 1.12


class RegexSyntaxError(ValueError):
    """A pattern the ``regex`` crate would refuse, or Rust syntax kata-oci cannot run on RE2."""

    def __init__(self, pattern: str, reason: str, *, unsupported: bool = False) -> None:
        self.pattern = pattern
        self.reason = reason
        self.unsupported = unsupported
        super().__init__(f"regex parse error in {pattern!r}: {reason}")


# Rust's Unicode-aware Perl classes, spelled for RE2 (RE2's own are ASCII-only).
_PERL_CLASSES: Final = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "s": r"[\t\n\x0B\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]",
    "S": r"[^\t\n\x0B\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]",
    "w": r"[\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}]",
    "W": r"[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}]",
}
_IN_CLASS: Final = {
    "d": r"\p{Nd}",
    "s": r"\t\n\x0B\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}",
    "w": r"\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}",
    "D": r"\P{Nd}",
}
_SIMPLE_ESCAPES: Final = frozenset("afnrtv")
_RUST_NEST_LIMIT: Final = 250
_NAME_RE: Final = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
_REPEAT_RE: Final = re.compile(r"\{([0-9]+)(?:(,)([0-9]*))?\}")


def _translate(p: str) -> str:
    """A Rust ``regex`` pattern rewritten for RE2, or :class:`RegexSyntaxError`.

    Refused as Rust refuses them: back-references and octal (``\\1``, ``\\0``), ``\\Q``, ``\\C``,
    ``\\e``, ``\\k``, ``\\Z``, other letter escapes, a ``{`` that does not start a valid
    repetition, ``{n,m}`` with n > m, and nesting deeper than 250 groups.
    Translated: ``\\d \\s \\w`` (and negations) to their Unicode meaning, ``\\u``/``\\U`` escapes,
    the ``u`` flag. Refused as unsupported (Rust accepts them, RE2 cannot express them): class set
    operations and nested classes, the ``x``/``R`` flags, ``(?-u)``, ``\\b{...}``, ``\\<``, ``\\>``.
    """
    out: list[str] = []
    i = 0
    n = len(p)

    def unsupported(what: str) -> RegexSyntaxError:
        return RegexSyntaxError(p, f"{what} is Rust regex syntax kata-oci cannot evaluate", unsupported=True)

    def escape(i: int, in_class: bool) -> tuple[str, int]:
        if i + 1 >= n:
            raise RegexSyntaxError(p, "incomplete escape sequence, reached end of pattern prematurely")
        c = p[i + 1]
        if c in "dDsSwW":
            if in_class:
                if c in _IN_CLASS:
                    return _IN_CLASS[c], i + 2
                raise unsupported(f"\\{c} inside a class")
            return _PERL_CLASSES[c], i + 2
        if c in "pP":
            if i + 2 < n and p[i + 2] == "{":
                end = p.find("}", i + 3)
                if end < 0:
                    raise RegexSyntaxError(p, "unclosed Unicode class")
                return p[i : end + 1], end + 1
            if i + 2 >= n:
                raise RegexSyntaxError(p, "incomplete escape sequence")
            return p[i : i + 3], i + 3
        if c in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[c]
            if i + 2 < n and p[i + 2] == "{":
                end = p.find("}", i + 3)
                digits = p[i + 3 : end] if end >= 0 else ""
                nxt = end + 1
            else:
                digits = p[i + 2 : i + 2 + width]
                nxt = i + 2 + width
                if len(digits) != width:
                    raise RegexSyntaxError(p, "incomplete escape sequence")
            if not digits or not all(ch in "0123456789abcdefABCDEF" for ch in digits) or len(digits) > 8:
                raise RegexSyntaxError(p, "invalid hexadecimal digit")
            cp = int(digits, 16)
            if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                raise RegexSyntaxError(p, "invalid Unicode scalar value")
            return f"\\x{{{cp:X}}}", nxt
        if c in "bBAz":
            if c == "b" and i + 2 < n and p[i + 2] == "{":
                raise unsupported("\\b{...}")
            if in_class:
                raise RegexSyntaxError(p, "unrecognized escape sequence")
            return p[i : i + 2], i + 2
        if c in "<>":
            raise unsupported(f"\\{c}")
        if c in _SIMPLE_ESCAPES:
            return p[i : i + 2], i + 2
        if c.isascii() and c.isdigit():
            raise RegexSyntaxError(p, "backreferences are not supported")
        if c.isascii() and c.isalpha():
            raise RegexSyntaxError(p, "unrecognized escape sequence")
        if not c.isascii():
            raise RegexSyntaxError(p, "unrecognized escape sequence")
        if c == " ":
            return " ", i + 2
        return p[i : i + 2], i + 2

    def char_class(i: int) -> int:
        j = i + 1
        out.append("[")
        if j < n and p[j] == "^":
            out.append("^")
            j += 1
        first = True
        while True:
            if j >= n:
                raise RegexSyntaxError(p, "unclosed character class")
            c = p[j]
            if c == "]" and not first:
                out.append("]")
                return j + 1
            first = False
            if c == "[":
                if p.startswith("[:", j):
                    end = p.find(":]", j + 2)
                    if end >= 0:
                        out.append(p[j : end + 2])
                        j = end + 2
                        continue
                raise unsupported("a nested character class")
            if p.startswith(("&&", "--", "~~"), j):
                raise unsupported("a class set operation")
            if c == "\\":
                text, j = escape(j, True)
                out.append(text)
                continue
            out.append(c)
            j += 1

    atom: int | None = None  # where in ``out`` the last atom starts (None: nothing to repeat)
    repeated = False  # the last atom is already a repetition
    groups: list[int] = []
    flags_re = re.compile(r"\(\?([a-zA-Z-]*)([:)])")

    def repeat(op: str, i: int) -> int:
        nonlocal repeated
        if atom is None:
            raise RegexSyntaxError(p, "repetition operator missing expression")
        if repeated:  # Rust repeats a repetition, RE2 refuses "a**": group it
            out.insert(atom, "(?:")
            out.append(")")
        if i < n and p[i] == "?":
            op += "?"
            i += 1
        out.append(op)
        repeated = True
        return i

    while i < n:
        c = p[i]
        if c in "*+?":
            i = repeat(c, i + 1)
            continue
        if c == "{":
            m = _REPEAT_RE.match(p, i)
            if m is None:
                if atom is None:
                    raise RegexSyntaxError(p, "repetition operator missing expression")
                raise RegexSyntaxError(p, "repetition quantifier expects a valid decimal")
            lo = int(m.group(1))
            hi = m.group(3)
            if m.group(2) and hi and int(hi) < lo:
                raise RegexSyntaxError(p, "invalid repetition count range, the start must be <= the end")
            i = repeat(f"{{{lo}{',' if m.group(2) else ''}{int(hi) if hi else ''}}}", m.end())
            continue
        repeated = False
        if c == "(":
            if len(groups) >= _RUST_NEST_LIMIT:
                raise RegexSyntaxError(p, "exceed the maximum number of nested parentheses/brackets")
            if p.startswith(("(?P<", "(?<"), i):
                close = p.find(">", i)
                name = p[p.index("<", i) + 1 : close] if close >= 0 else ""
                if not name or not _NAME_RE.fullmatch(name):
                    raise RegexSyntaxError(p, "invalid capture group name")
                groups.append(len(out))
                out.append(f"(?P<{name}>")
                atom = None
                i = close + 1
                continue
            m = flags_re.match(p, i) if p.startswith("(?", i) else None
            if m is None and p.startswith("(?", i):
                raise RegexSyntaxError(p, "unrecognized flag")
            if m is not None:
                flags, closer = m.group(1), m.group(2)
                on, _, off = flags.partition("-")
                if (
                    any(f not in "imsUuxR" for f in on + off)
                    or flags.count("-") > 1
                    or flags.endswith("-")
                    or len(set(on + off)) != len(on + off)
                    or (closer == ")" and not flags)
                ):
                    raise RegexSyntaxError(p, "invalid flags")
                if "x" in flags or "R" in flags:
                    raise unsupported(f"the (?{flags}) flag")
                if "u" in off:
                    raise unsupported("(?-u)")
                on, off = on.replace("u", ""), off.replace("u", "")
                spelled = on + ("-" + off if off else "")
                i = m.end()
                if closer == ")":
                    if spelled:
                        out.append(f"(?{spelled})")
                    atom = None
                else:
                    groups.append(len(out))
                    out.append(f"(?{spelled}:")
                    atom = None
                continue
            groups.append(len(out))
            out.append("(")
            atom = None
            i += 1
            continue
        if c == ")":
            if not groups:
                raise RegexSyntaxError(p, "unopened group")
            atom = groups.pop()
            out.append(")")
            i += 1
            continue
        if c == "|":
            atom = None
            out.append("|")
            i += 1
            continue
        atom = len(out)
        if c == "\\":
            text, i = escape(i, False)
            out.append(text)
        elif c == "[":
            i = char_class(i)
        else:
            out.append(c)
            i += 1
    if groups:
        raise RegexSyntaxError(p, "unclosed group")
    return "".join(out)


def regex_set(patterns: Iterable[str]) -> RegexSet:
    """:class:`RegexSet` of ``patterns``, cached (up to 256 sets): the gate runs on every pod."""
    key = tuple(patterns)
    found = _SETS.get(key)
    if found is None:
        try:
            found = RegexSet(key)
        except RegexSyntaxError as e:
            found = e
        if len(_SETS) >= 256:
            _SETS.pop(next(iter(_SETS)), None)
        _SETS[key] = found
    if isinstance(found, RegexSyntaxError):
        raise found
    return found


class RegexSet:
    """``regex::RegexSet::new(patterns)``: does any pattern match anywhere in a text?

    Construction raises :class:`RegexSyntaxError` when one pattern is invalid, as
    ``RegexSet::new`` fails as a whole (kata-types then enables no annotation at all).
    Matching is RE2's, unanchored, after :func:`_translate`. Known differences from the
    ``regex`` crate: ``\\b``/``\\B`` are ASCII word boundaries here (Unicode in Rust);
    Unicode property names that RE2 does not know (``\\p{Letter}``) are refused;
    counted repetitions above 1000 are refused (Rust allows them up to its size limit).
    """

    __slots__ = ("_compiled", "_seen", "patterns")

    def __init__(self, patterns: Iterable[str]) -> None:
        import re2

        self.patterns = tuple(patterns)
        opts = re2.Options()
        opts.log_errors = False
        compiled = []
        for pattern in self.patterns:
            text = _translate(pattern)
            try:
                compiled.append(re2.compile(text.encode("utf-8", "surrogatepass"), opts))
            except (re2.error, UnicodeEncodeError) as e:
                raw = e.args[0] if e.args else b""
                msg = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
                raise RegexSyntaxError(pattern, msg or "invalid pattern") from None
        self._compiled = tuple(compiled)
        self._seen: dict[str, bool] = {}

    def is_match(self, text: str) -> bool:
        """``set.is_match(text)`` (answers for short texts are remembered: keys repeat)."""
        found = self._seen.get(text)
        if found is not None:
            return found
        data = text.encode("utf-8", "replace") if not text.isascii() else text.encode()
        found = any(rx.search(data) is not None for rx in self._compiled)
        if len(text) <= 256:
            if len(self._seen) >= 4096:
                self._seen.clear()
            self._seen[text] = found
        return found

    def __repr__(self) -> str:
        return f"RegexSet({list(self.patterns)!r})"


_SETS: dict[tuple[str, ...], RegexSet | RegexSyntaxError] = {}
