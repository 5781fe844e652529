"""Hints for annotation keys: "did you mean", removed and renamed keys, and how to enable a key.

Pod authors choose the keys, so a hint must cost a few microseconds whatever
the key, and must never advise something wider than the key itself:

* :class:`KeyIndex` is built once per annotation table (a profile's known
  keys and its ``removed_keys``: key -> hint sentence). A key the profile
  does not know gets the sentence when the key is listed there ("removed in
  Kata 3.0: use ..."), else the known key with the same name in another
  section, a wrongly prefixed known key (``io.kata-containers.``...), or a
  known name one edit away (a character missing, added, changed, or two
  swapped). The search is a few dictionary look-ups per character of the
  key's last component (an index of single-character deletions), and keys
  longer than any known key plus one get no guess.
* :func:`enable_pattern` is the ``enable_annotations`` pattern that enables
  exactly one hypervisor key suffix: Go's ``regexp.QuoteMeta`` of it,
  anchored, then checked with :mod:`kata_oci.golang`'s RE2 to match that
  suffix and no other (``\\w*`` gives ``^\\\\w\\*$``, never ``^\\w*$``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from .errors import cut

__all__ = ["KeyIndex", "enable_pattern", "toml_string"]

_PREFIX = "io.katacontainers."
_EMPTY: Mapping[str, str] = {}


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one insertion, deletion, substitution or adjacent swap."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1 or a == b:
        return False
    i = 0
    while i < la and i < lb and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1 :] == b[i + 1 :] or (
            i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        )
    return a[i + 1 :] == b[i:] if la > lb else a[i:] == b[i + 1 :]


class KeyIndex:
    """The keys of one annotation table, indexed once for hints about keys it does not know.

    ``known`` are the table's keys (and the keys the runtime itself writes);
    ``removed`` maps keys of other profiles or older releases to the sentence
    to show instead of a guess; ``prefix`` is the namespace of the table's
    keys (a key under another prefix is compared after its second dot).
    """

    __slots__ = (
        "_by_delete",
        "_by_name",
        "_heads",
        "_max_key",
        "_max_name",
        "_tails",
        "known",
        "prefix",
        "removed",
    )

    def __init__(self, known: Iterable[str], removed: Mapping[str, str] = _EMPTY, *, prefix: str = _PREFIX):
        self.known = frozenset(known)
        self.removed = dict(removed)
        self.prefix = prefix
        by_name: dict[str, list[str]] = {}
        for key in sorted(self.known):
            name = key.rpartition(".")[2]
            if name:
                by_name.setdefault(name, []).append(key)
        self._by_name = {name: tuple(keys) for name, keys in by_name.items()}
        by_delete: dict[str, list[str]] = {}
        for name in sorted(self._by_name):
            for i in range(len(name)):
                deleted = name[:i] + name[i + 1 :]
                names = by_delete.setdefault(deleted, [])
                if name not in names:
                    names.append(name)
        self._by_delete = {d: tuple(names) for d, names in by_delete.items()}
        # Every prefix and suffix of the known names. One edit at position p of a name of length
        # 2k or 2k+1 leaves its first k characters as they were (p >= k) or those from k+1 on
        # (p < k: a deletion, insertion, change or swap there shifts nothing after p+2), so a name
        # whose two parts are in neither set is no edit away from a known one (closest's test).
        self._heads = frozenset(name[:j] for name in self._by_name for j in range(len(name) + 1))
        self._tails = frozenset(name[j:] for name in self._by_name for j in range(len(name) + 1))
        self._max_name = max(map(len, self._by_name), default=0)
        self._max_key = max(map(len, self.known), default=0)

    def closest(self, key: str) -> str | None:
        """The known key ``key`` most likely stands for, or ``None``; a few microseconds at most."""
        if len(key) > self._max_key + 1 + 32 or key in self.known:
            return None
        prefix = self.prefix
        probe = key
        if not key.startswith(prefix):
            parts = key.split(".", 2)
            if len(parts) == 3:
                probe = prefix + parts[2]
                if probe in self.known:
                    return probe
        section, _, name = probe.rpartition(".")
        if len(name) > self._max_name + 1:
            return None
        same = self._by_name.get(name)
        if same is not None:
            return self._pick(same, section)
        half = len(name) // 2
        if name[:half] not in self._heads and name[half + 1 :] not in self._tails:
            return None  # no known name is one edit away (see __init__): two look-ups, not a loop
        by_name, by_delete = self._by_name, self._by_delete
        names: list[str] = list(by_delete.get(name, ()))  # a character missing
        previous = ""
        for i, c in enumerate(name):
            if c == previous:  # deleting either of two equal neighbours gives the same text
                continue
            previous = c
            deleted = name[:i] + name[i + 1 :]
            if deleted in by_name:  # a character too many
                names.append(deleted)
            others = by_delete.get(deleted)
            if others is not None:  # a character changed, or two swapped
                for other in others:
                    if _one_edit(name, other):
                        names.append(other)  # noqa: PERF401 - no generator per character
        if not names:
            return None
        keys = [k for n in sorted(set(names)) for k in by_name[n]]
        return self._pick(keys, section)

    @staticmethod
    def _pick(keys: Iterable[str], section: str) -> str:
        """The key in ``section`` if one is, else the first (keys come sorted)."""
        first = None
        for k in keys:
            if k.rpartition(".")[0] == section:
                return k
            if first is None:
                first = k
        assert first is not None
        return first

    def hint(self, key: str) -> str | None:
        """What to tell the author of unknown ``key``: the removed-key sentence, or "did you mean"."""
        sentence = self.removed.get(key)
        if sentence is not None:
            return sentence
        closest = self.closest(key)
        return f"did you mean {closest}?" if closest is not None else None


# Go's regexp.QuoteMeta escapes exactly these.
_META = frozenset("\\.+*?()|[]{}^$")
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def _quote(c: str) -> str:
    return "\\" + c if c in _META else c


@functools.cache
def _literal_in_re2(c: str) -> bool:
    """Whether RE2, under Go's rules, reads ``c`` quoted as exactly that one character.

    Checked once per ASCII character (at most 128 compilations per process):
    a pattern is a concatenation of such literals between ``^`` and ``$``, so
    it matches its suffix and nothing else when each literal does.
    """
    from .golang import compile_regexp

    rx = compile_regexp("^" + _quote(c) + "$")
    if rx is None or not rx.search(c):
        return False
    return not any(rx.search(other) for other in ("", "x", c + c, "\\", "\\" + c) if other != c)


def enable_pattern(suffix: str) -> str | None:
    """The ``enable_annotations`` pattern matching exactly ``suffix`` (``^default_vcpus$``).

    Go's ``regexp.QuoteMeta`` of ``suffix`` between ``^`` and ``$``, each
    quoted ASCII character verified with RE2 (Go's rules) to stand for itself
    alone; characters beyond ASCII are literals in RE2. ``None`` when no
    pattern can name the suffix alone (lone surrogates: bytes that are not
    UTF-8, which Go reads as U+FFFD).
    """
    if _PLAIN.issuperset(suffix):  # letters, digits, "_", "-", "." (escaped): the common case
        return "^" + suffix.replace(".", "\\.") + "$"
    for c in set(suffix):
        if "\ud800" <= c <= "\udfff" or (c < "\x80" and not _literal_in_re2(c)):
            return None
    return "^" + "".join(map(_quote, suffix)) + "$"


_TOML_CONTROL = re.compile("[\x00-\x1f\x7f]").search


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string, quotes included (backslashes and control characters escaped)."""
    if _TOML_CONTROL(text) is None:  # the usual pattern: only backslashes (and quotes) to escape, in C
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    out = ['"']
    for c in text:
        if c == "\\" or c == '"':
            out.append("\\" + c)
        elif c < " " or c == "\x7f":
            out.append(
                {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}.get(c, f"\\u{ord(c):04X}")
            )
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


_MAX_PATTERN_SUFFIX = 128  # longer suffixes are no Kata key: no pattern is worth suggesting


def enable_hint(suffix: str, where: str) -> str:
    """The "to allow it" advice for a hypervisor key suffix that no pattern enables.

    ``to allow it, add "<pattern>" to enable_annotations in <where>``, the
    pattern as RE2 reads it; when TOML must escape it (a backslash, a quote,
    a control character), the string to write in the file follows:
    ``(in TOML: "^x\\\\|$")``.
    """
    pattern = enable_pattern(suffix) if len(suffix) <= _MAX_PATTERN_SUFFIX else None
    if pattern is None:
        return f"no enable_annotations pattern is suggested for {cut(suffix, 60)!r}: it is no Kata key"
    hint = f'to allow it, add "{pattern}" to enable_annotations in {where}'
    quoted = toml_string(pattern)
    if quoted[1:-1] != pattern:
        hint += f" (in TOML: {quoted})"
    return hint
