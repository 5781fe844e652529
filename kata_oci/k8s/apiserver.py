"""What the Kubernetes API server refuses in a pod's annotations and RuntimeClass name.

A port of apimachinery's ``ValidateAnnotations``
(``pkg/api/validation/objectmeta.go``) and ``IsQualifiedName`` /
``IsDNS1123Subdomain`` (``pkg/util/validation/validation.go``), messages
included:

* every key, lower-cased with Go's ``strings.ToLower`` (rune by rune: the
  Kelvin sign becomes ``k``), must be a qualified name: an optional prefix
  that is a DNS-1123 subdomain (at most 253 bytes) and ``/``, then a name of
  at most 63 bytes of ``[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]``;
* the keys and values together must not exceed 256 KiB (262144 bytes, UTF-8);
* a value must be a string: ``default_vcpus: 2`` without quotes is a number,
  which the API server's decoder refuses (``cannot unmarshal number into Go
  struct field ObjectMeta.metadata.annotations of type string``).

Go's regexps here are anchored with ``^...$``, which in Go match only the
whole text (Python's ``$`` would also match before a final newline), so the
patterns below use ``fullmatch``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "DNS1123_SUBDOMAIN_MAX_LENGTH",
    "QUALIFIED_NAME_MAX_LENGTH",
    "TOTAL_ANNOTATION_SIZE_LIMIT",
    "annotation_key_errors",
    "annotations_size",
    "go_to_lower",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_qualified_name",
    "json_type_name",
]

TOTAL_ANNOTATION_SIZE_LIMIT: Final = 256 * (1 << 10)
QUALIFIED_NAME_MAX_LENGTH: Final = 63
DNS1123_SUBDOMAIN_MAX_LENGTH: Final = 253

_QNAME_FMT: Final = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_MSG: Final = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_QNAME_RE: Final = re.compile(_QNAME_FMT)
_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT: Final = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_SUBDOMAIN_MSG: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
_SUBDOMAIN_RE: Final = re.compile(_SUBDOMAIN_FMT)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


def _blen(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-8", "surrogatepass"))


def go_to_lower(s: str) -> str:
    """Go's ``strings.ToLower``: each rune to its lower case, one rune for one.

    Python's ``str.lower`` turns U+0130 (İ) into two code points; Go's
    ``unicode.ToLower`` gives ``i``.
    """
    if s.isascii():
        return s.lower()
    out = []
    for ch in s:
        low = ch.lower()
        out.append(low if len(low) == 1 else ("i" if ch == "\u0130" else ch))
    return "".join(out)


_LABEL_MSG: Final = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_LABEL_RE: Final = re.compile(_LABEL_FMT)
DNS1123_LABEL_MAX_LENGTH: Final = 63


def is_dns1123_label(value: str) -> list[str]:
    """``IsDNS1123Label`` (a namespace's name): the reasons ``value`` is not one (empty: it is)."""
    errs = []
    if _blen(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(_max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if _LABEL_RE.fullmatch(value) is None:
        errs.append(_regex_error(_LABEL_MSG, _LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """``IsDNS1123Subdomain``: the reasons ``value`` is not one (empty: it is)."""
    return list(_subdomain_errors(value))


@functools.lru_cache(maxsize=4096)
def _subdomain_errors(value: str) -> tuple[str, ...]:
    errs = []
    if _blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(_max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if _SUBDOMAIN_RE.fullmatch(value) is None:
        errs.append(_regex_error(_SUBDOMAIN_MSG, _SUBDOMAIN_FMT, "example.com"))
    return tuple(errs)


def is_qualified_name(value: str) -> list[str]:
    """``IsQualifiedName``: the reasons ``value`` is not a qualified name (empty: it is)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _blen(name) > QUALIFIED_NAME_MAX_LENGTH:
        errs.append("name part " + _max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if _QNAME_RE.fullmatch(name) is None:
        errs.append("name part " + _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def annotation_key_errors(key: str) -> list[str]:
    """Why the API server refuses ``key`` as an annotation key (empty: it accepts it)."""
    return list(_key_errors(key))


@functools.lru_cache(maxsize=4096)
def _key_errors(key: str) -> tuple[str, ...]:
    # Memoised: every pod of a manifest has the same few keys.
    return tuple(is_qualified_name(go_to_lower(key)))


def annotations_size(annotations: Mapping[str, str]) -> int:
    """The bytes ``ValidateAnnotations`` counts: every key and value, UTF-8."""
    return sum(_blen(k) + _blen(v) for k, v in annotations.items())


def json_type_name(value: Any) -> str:
    """The JSON type Go's decoder names for a non-string value (``number``, ``bool``, ``object``...)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return type(value).__name__
