"""Tests for kata_oci.golang: Go 1.19 strconv, strings, filepath and regexp behaviour.

Every expected value below was produced by running the same input through Go 1.19.8.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from kata_oci import golang
from kata_oci.golang import (
    BadPattern,
    NumError,
    Regexp,
    clean,
    compile_regexp,
    fields,
    glob,
    glob_strict,
    go_quote,
    join,
    match,
    match_string,
    parse_bool,
    parse_uint,
    path_in_globs,
    regexp_contains,
    regexp_error,
    split,
)

# --------------------------------------------------------------------------- strconv.ParseBool


@pytest.mark.parametrize("s", ["1", "t", "T", "true", "TRUE", "True"])
def test_parse_bool_true(s: str) -> None:
    assert parse_bool(s) is True


@pytest.mark.parametrize("s", ["0", "f", "F", "false", "FALSE", "False"])
def test_parse_bool_false(s: str) -> None:
    assert parse_bool(s) is False


@pytest.mark.parametrize(
    "s",
    ["tRUE", "fAlse", "yes", "no", "on", "off", " true", "true ", "", "TRue", "FalSE", "Fal", "TRU", "falsE",
     "a", "y", "2", "-1", "true\n", "\u0085"],
)  # fmt: skip
def test_parse_bool_rejects(s: str) -> None:
    with pytest.raises(NumError) as info:
        parse_bool(s)
    assert info.value.func == "ParseBool"
    assert info.value.num == s
    assert info.value.err == "invalid syntax"


@pytest.mark.parametrize(
    ("s", "text"),
    [
        ("yes", 'strconv.ParseBool: parsing "yes": invalid syntax'),
        (" true", 'strconv.ParseBool: parsing " true": invalid syntax'),
        ("", 'strconv.ParseBool: parsing "": invalid syntax'),
        ("\u0085", 'strconv.ParseBool: parsing "\\u0085": invalid syntax'),
    ],
)
def test_parse_bool_error_text(s: str, text: str) -> None:
    with pytest.raises(NumError) as info:
        parse_bool(s)
    assert str(info.value) == text


# --------------------------------------------------------------------------- strconv.ParseUint


@pytest.mark.parametrize(
    ("s", "value"),
    [("0", 0), ("00", 0), ("007", 7), ("42", 42), ("1024", 1024), ("4294967295", 4294967295)],
)
def test_parse_uint_valid(s: str, value: int) -> None:
    assert parse_uint(s) == value


@pytest.mark.parametrize(
    ("s", "err"),
    [
        ("", "invalid syntax"),
        ("+1", "invalid syntax"),
        ("-1", "invalid syntax"),
        ("-0", "invalid syntax"),
        ("1_000", "invalid syntax"),
        (" 1", "invalid syntax"),
        ("1 ", "invalid syntax"),
        ("42\n", "invalid syntax"),
        ("0x10", "invalid syntax"),
        ("1e3", "invalid syntax"),
        ("x999", "invalid syntax"),
        ("x99999999999", "invalid syntax"),
        ("\uff11\uff12", "invalid syntax"),
        ("٣", "invalid syntax"),
        ("²", "invalid syntax"),
        ("4294967296", "value out of range"),
        ("99999999999x", "value out of range"),
        ("4294967296x", "value out of range"),
        ("18446744073709551616", "value out of range"),
    ],
)
def test_parse_uint_errors(s: str, err: str) -> None:
    with pytest.raises(NumError) as info:
        parse_uint(s)
    assert (info.value.func, info.value.num, info.value.err) == ("ParseUint", s, err)


@pytest.mark.parametrize(
    ("s", "text"),
    [
        ("x", 'strconv.ParseUint: parsing "x": invalid syntax'),
        ("4294967296", 'strconv.ParseUint: parsing "4294967296": value out of range'),
        ("99999999999x", 'strconv.ParseUint: parsing "99999999999x": value out of range'),
        ("42\n", 'strconv.ParseUint: parsing "42\\n": invalid syntax'),
        ("\x85", 'strconv.ParseUint: parsing "\\u0085": invalid syntax'),
        ("é1", 'strconv.ParseUint: parsing "é1": invalid syntax'),
        ("\uff11\uff12", 'strconv.ParseUint: parsing "\uff11\uff12": invalid syntax'),
        ("\udcff", 'strconv.ParseUint: parsing "\\xff": invalid syntax'),
    ],
)
def test_parse_uint_error_text(s: str, text: str) -> None:
    with pytest.raises(NumError) as info:
        parse_uint(s)
    assert str(info.value) == text


@pytest.mark.parametrize(
    ("s", "bit_size", "expected"),
    [
        ("18446744073709551615", 64, 18446744073709551615),
        ("18446744073709551615", 0, 18446744073709551615),
        ("255", 8, 255),
        ("256", 8, 'strconv.ParseUint: parsing "256": value out of range'),
        ("18446744073709551616", 64, 'strconv.ParseUint: parsing "18446744073709551616": value out of range'),
        ("1", 65, 'strconv.ParseUint: parsing "1": invalid bit size 65'),
        ("", 65, 'strconv.ParseUint: parsing "": invalid syntax'),
    ],
)
def test_parse_uint_bit_size(s: str, bit_size: int, expected: int | str) -> None:
    if isinstance(expected, int):
        assert parse_uint(s, bit_size) == expected
    else:
        with pytest.raises(NumError) as info:
            parse_uint(s, bit_size)
        assert str(info.value) == expected


def test_num_error_is_value_error_and_pickles() -> None:
    err = NumError("ParseUint", "x", "invalid syntax")
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.func, copy.num, copy.err, str(copy)) == (err.func, err.num, err.err, str(err))


# --------------------------------------------------------------------------- strconv.Quote


@pytest.mark.parametrize(
    ("s", "quoted"),
    [
        ("", '""'),
        ("abc", '"abc"'),
        ('"\\', '"\\"\\\\"'),
        ("\t\n\a\b\f\r\v", '"\\t\\n\\a\\b\\f\\r\\v"'),
        ("\x1c", '"\\x1c"'),
        ("\x7f", '"\\x7f"'),
        ("\x85", '"\\u0085"'),
        ("\xa0", '"\\u00a0"'),
        ("\xad", '"\\u00ad"'),
        ("\u2028", '"\\u2028"'),
        ("\ufeff", '"\\ufeff"'),
        ("\U000e0001", '"\\U000e0001"'),
        ("é", '"é"'),
        ("\uff11\uff12", '"\uff11\uff12"'),
        ("\U0001f600", '"\U0001f600"'),
        ("\udcff", '"\\xff"'),  # a surrogate-escaped byte, like an invalid byte in Go
        ("\u0870", '"\\u0870"'),  # assigned in Unicode 14: not printable for Go 1.19
        ("\u061d", '"\\u061d"'),
    ],
)
def test_go_quote(s: str, quoted: str) -> None:
    assert go_quote(s) == quoted


def test_go_quote_bytes() -> None:
    assert go_quote(b"a\xffb\xe2\x82c") == '"a\\xffb\\xe2\\x82c"'


# --------------------------------------------------------------------------- strings


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        ("", []),
        ("   ", []),
        (" a  b ", ["a", "b"]),
        ("a\x1cb", ["a\x1cb"]),  # Python's str.split() would split here
        ("a\x1fb\x1dc", ["a\x1fb\x1dc"]),
        ("a\x85b", ["a", "b"]),
        ("a\u200bb", ["a\u200bb"]),  # zero width space is not white space
        ("\u180ea\ufeffb", ["\u180ea\ufeffb"]),
        ("a\u3000b\xa0c", ["a", "b", "c"]),
        ("a\u2028b\u205fc", ["a", "b", "c"]),
        ("a\vb\fc", ["a", "b", "c"]),
        ("vsyscall=emulate iommu=on", ["vsyscall=emulate", "iommu=on"]),
    ],
)
def test_fields(s: str, expected: list[str]) -> None:
    assert fields(s) == expected


def test_fields_differs_from_str_split() -> None:
    s = "a\x1cb"
    assert s.split() == ["a", "b"]
    assert fields(s) == [s]


@pytest.mark.parametrize(
    ("s", "sep", "expected"),
    [
        ("", ",", [""]),
        (",a,,b,", ",", ["", "a", "", "b", ""]),
        ("a b  c", " ", ["a", "b", "", "c"]),
        ("a;b", ";", ["a", "b"]),
        ("abc", ";", ["abc"]),
        ("a::b", "::", ["a", "b"]),
    ],
)
def test_split(s: str, sep: str, expected: list[str]) -> None:
    assert split(s, sep) == expected


def test_split_empty_separator() -> None:
    with pytest.raises(ValueError, match="empty separator"):
        split("abc", "")


# --------------------------------------------------------------------------- filepath.Clean / Join


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", "."),
        (".", "."),
        ("..", ".."),
        ("/", "/"),
        ("//", "/"),
        ("//a", "/a"),
        ("/..", "/"),
        ("/../a", "/a"),
        ("a/../..", ".."),
        ("../../a/..", "../.."),
        ("a/b/../../..", ".."),
        ("/a/b/../../../c", "/c"),
        ("a//b/./c/", "a/b/c"),
        ("./", "."),
        ("a/.", "a"),
        ("...", "..."),
        ("a/.../b", "a/.../b"),
    ],
)
def test_clean(path: str, expected: str) -> None:
    assert clean(path) == expected


def _clean_by_rules(path: str) -> str:
    """Clean's documented rules, element by element, with no shortcut: the fast path's reference."""
    rooted = path.startswith("/")
    parts: list[str] = []
    for comp in path.split("/"):
        if comp == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
        elif comp not in ("", "."):
            parts.append(comp)
    out = "/".join(parts)
    return "/" + out if rooted else out or "."


def test_clean_fast_path_agrees_with_the_rules() -> None:
    # Every path of up to 7 characters over "/", "." and "a": the already-clean shortcut
    # (taken without searching for "/." when there is no dot) must never keep an unclean one.
    paths = [""]
    for length in range(7):
        paths += [p + c for p in paths[-(3**length) :] for c in "/.a"]
    for path in paths:
        assert clean(path) == _clean_by_rules(path), path


@pytest.mark.parametrize(
    ("elems", "expected"),
    [
        ((), ""),
        (("",), ""),
        (("", ""), ""),
        (("a", "", "b"), "a/b"),
        (("", "/a"), "/a"),
        (("/", "a"), "/a"),
        (("a", "/b"), "a/b"),
        (("a/", "/b/"), "a/b"),
        (("", "", "x/../y"), "y"),
        (("/a", ".."), "/"),
        (("..", "a"), "../a"),
    ],
)
def test_join(elems: tuple[str, ...], expected: str) -> None:
    assert join(*elems) == expected


# --------------------------------------------------------------------------- filepath.Match

MATCH_TABLE: list[tuple[str, str, bool]] = [
    ("abc", "abc", True),
    ("*", "abc", True),
    ("*c", "abc", True),
    ("a*", "a", True),
    ("a*/b", "abc/b", True),
    ("a*/b", "a/c/b", False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True),
    ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("a*b?c*x", "abxbbxdbxebxczzy", False),
    ("ab[c]", "abc", True),
    ("ab[b-d]", "abc", True),
    ("ab[e-g]", "abc", False),
    ("ab[^c]", "abc", False),
    ("ab[^b-d]", "abe", True),
    ("[!a]", "!", True),  # '!' is a literal, not a negation
    ("[!a]", "b", False),
    ("[!a]*", "a.txt", True),
    ("[^a]", "b", True),
    ("[^a]", "a", False),
    ("a\\*b", "a*b", True),
    ("a\\*b", "ab", False),
    ("a?b", "a☺b", True),
    ("a[^a]b", "a☺b", True),
    ("a???b", "a☺b", False),
    ("*", ".hidden", True),  # '*' matches a leading dot
    ("*.txt", ".hidden.txt", True),
    ("a[^x]b", "a/b", True),  # classes may match '/'
    ("[.-0]", "/", True),
    ("*", "a/b", False),
    ("?", "/", False),
    ("*[^é]", "é", True),  # the star advances by bytes, like Go
    ("", "", True),
    ("", "a", False),
    ("a*[", "xyz", False),  # Go 1.19 stops checking after a failed star chunk
    ("[z-a]", "m", False),
    ("[\\]]", "]", True),
    ("[\\-]", "-", True),
    ("\\[", "[", True),
    ("x\\y", "xy", True),
    ("[a-c]*", "b/", False),
    ("**", "abc", True),
]


@pytest.mark.parametrize(("pattern", "name", "expected"), MATCH_TABLE)
def test_match(pattern: str, name: str, expected: bool) -> None:
    assert match(pattern, name) is expected


@pytest.mark.parametrize(
    ("pattern", "name"),
    [
        ("[]a]", "]"),
        ("[]]", "]"),
        ("[a-]", "a"),
        ("[-a]", "a"),
        ("[a-c-e]", "b"),
        ("[", "a"),
        ("a[", "a"),
        ("[a", "a"),
        ("a\\", "a"),
        ("\\", ""),
        ("[]", ""),
        ("[^]", "a"),
        ("a*[", "abc"),  # the same pattern as above, but now the bad part is reached
        ("[x-]", "x"),
        ("*x\\", "x"),
        ("[\\", "a"),
    ],
)
def test_match_bad_pattern(pattern: str, name: str) -> None:
    with pytest.raises(BadPattern, match=r"^syntax error in pattern$"):
        match(pattern, name)


def test_bad_pattern_is_value_error() -> None:
    assert issubclass(BadPattern, ValueError)


def test_match_nul_does_not_raise() -> None:
    assert match("a\x00*", "a\x00b") is True
    assert match("a*", "a\x00") is True


# --------------------------------------------------------------------------- filepath.Glob


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small directory tree with dotfiles, symlinks and names that need escaping."""
    for d in ("d1/sub/deep", "d2", ".hid"):
        (tmp_path / d).mkdir(parents=True)
    for f in ("a.txt", "b.txt", ".dot", ".hid/z", "d1/f1", "d1/.h", "d2/f2", "d1/sub/deep/q", "*", "!x",
              "^a", "x\\y"):  # fmt: skip
        (tmp_path / f).write_text("")
    (tmp_path / "broken").symlink_to("nowhere")
    (tmp_path / "lnk").symlink_to("d1")
    (tmp_path / "flink").symlink_to("a.txt")
    return tmp_path


ALL_TOP = ["!x", "*", ".dot", ".hid", "^a", "a.txt", "b.txt", "broken", "d1", "d2", "flink", "lnk", "x\\y"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*", ALL_TOP),  # dotfiles included, bytewise order, dangling symlink included
        ("*/*", [".hid/z", "d1/.h", "d1/f1", "d1/sub", "d2/f2", "lnk/.h", "lnk/f1", "lnk/sub"]),
        ("[.]*", [".dot", ".hid"]),
        ("[^a]*", [n for n in ALL_TOP if not n.startswith("a")]),
        ("[!a]*", ["!x", "a.txt"]),
        ("\\*", ["*"]),
        ("x\\\\y", ["x\\y"]),
        ("x\\y", []),  # \y is y: looks for "xy"
        ("broken", ["broken"]),  # no meta: Lstat, so a dangling symlink counts
        ("brok*", ["broken"]),
        ("broken/", []),
        ("a.txt/", []),
        ("./*.txt", ["a.txt", "b.txt"]),  # cleaned by Join
        ("d1/../d2/*", ["d2/f2"]),
        ("d1//*", ["d1/.h", "d1/f1", "d1/sub"]),
        ("d1/./*", ["d1/.h", "d1/f1", "d1/sub"]),
        ("*/sub/*", ["d1/sub/deep", "lnk/sub/deep"]),  # meta in a middle component
        ("d?/sub/deep/*", ["d1/sub/deep/q"]),
        ("d*/*/deep", ["d1/sub/deep"]),
        ("d1/", ["d1/"]),  # no meta: returned verbatim, trailing slash kept
        ("d1", ["d1"]),
        ("d*/", []),  # Match("", name) is never true
        ("*/", []),
        ("**", ALL_TOP),
        ("nothing*", []),
        ("nothing", []),
        ("z*[", []),  # bad tail never reached: no error
    ],
)
def test_glob_relative(
    tree: Path, monkeypatch: pytest.MonkeyPatch, pattern: str, expected: list[str]
) -> None:
    monkeypatch.chdir(tree)
    assert glob_strict(pattern) == expected
    assert glob(pattern) == expected


def test_glob_absolute(tree: Path) -> None:
    assert glob(f"{tree}/d?/f*") == [f"{tree}/d1/f1", f"{tree}/d2/f2"]
    assert glob(f"{tree}//d1/../*.txt") == [f"{tree}/a.txt", f"{tree}/b.txt"]


@pytest.mark.parametrize("pattern", ["[", "a[", "[]a]", "[a-]", "*[", "a*[", "d1/[", "[/*", "\\"])
def test_glob_bad_pattern(tree: Path, monkeypatch: pytest.MonkeyPatch, pattern: str) -> None:
    monkeypatch.chdir(tree)
    assert glob(pattern) == []
    with pytest.raises(BadPattern):
        glob_strict(pattern)


@pytest.mark.parametrize("pattern", ["a\x00", "a\x00*", "*\x00/*", "d1/\x00", "\x00"])
def test_glob_nul_gives_nothing(tree: Path, monkeypatch: pytest.MonkeyPatch, pattern: str) -> None:
    monkeypatch.chdir(tree)
    assert glob(pattern) == []
    assert glob_strict(pattern) == []


def test_glob_depth_guard() -> None:
    # 10000 nested directory levels with meta characters are refused, like Go 1.19.
    assert glob("*/" * 10001 + "x") == []
    with pytest.raises(BadPattern):
        glob_strict("*/" * 10001 + "x")
    assert glob_strict("*/" * 9999 + "x") == []


def test_glob_undecodable_name(tmp_path: Path) -> None:
    (Path(os.fsdecode(bytes(tmp_path) + b"/\xff"))).write_text("")
    assert glob(f"{tmp_path}/*") == [f"{tmp_path}/\udcff"]
    assert path_in_globs([f"{tmp_path}/?"], f"{tmp_path}/\udcff")


# --------------------------------------------------------------------------- checkPathIsInGlobs

# Kata's TestCheckPathIsInGlobs (src/runtime/pkg/oci/utils_test.go).
KATA_GLOB_CASES: list[tuple[list[str], str, bool]] = [
    ([], "", False),
    ([], "nonempty", False),
    (["simple"], "simple", False),
    (["simple"], "some_simple_text", False),
    (["/bin/ls"], "/bin/ls", True),
    (["/bin/ls", "/bin/false"], "/bin/ls", True),
    (["/bin/ls", "/bin/false"], "/bin/false", True),
    (["/bin/ls", "/bin/false"], "/bin/bar", False),
    (["/bin/*ls*"], "/bin/ls", True),
    (["/bin/*ls*"], "/bin/false", True),
    (["bin/ls"], "/bin/ls", False),
    (["./bin/ls"], "/bin/ls", False),
    (["*/bin/ls"], "/bin/ls", False),
]


@pytest.mark.parametrize(("globs", "path", "expected"), KATA_GLOB_CASES)
def test_kata_check_path_is_in_globs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, globs: list[str], path: str, expected: bool
) -> None:
    if not (os.path.exists("/bin/ls") and os.path.exists("/bin/false")) or os.path.lexists("/bin/bar"):
        pytest.skip("needs /bin/ls and /bin/false, and no /bin/bar")
    monkeypatch.chdir(tmp_path)  # relative globs must not find anything
    assert path_in_globs(globs, path) is expected


def test_path_in_globs_exact_strings_only(tree: Path) -> None:
    t = str(tree)
    assert path_in_globs([f"{t}/*.txt"], f"{t}/a.txt")
    # Results are cleaned, and the path is compared as a plain string.
    assert not path_in_globs([f"{t}/*.txt"], f"{t}/d1/../a.txt")
    assert not path_in_globs([f"{t}/*.txt"], f"{t}//a.txt")
    assert not path_in_globs([f"{t}/*.txt"], f"{t}/./a.txt")
    assert not path_in_globs([f"{t}/*.txt"], f"{t}/a.txt\n")
    assert not path_in_globs([f"{t}/*.txt"], f"{t}/a.txt/")
    assert not path_in_globs([f"{t}/d*"], f"{t}/d1/")
    assert path_in_globs([f"{t}/d*"], f"{t}/d1")
    # A glob without meta characters is returned as typed, so only that exact string matches.
    assert path_in_globs([f"{t}/d1/../a.txt"], f"{t}/d1/../a.txt")
    assert not path_in_globs([f"{t}/d1/../a.txt"], f"{t}/a.txt")
    assert path_in_globs([f"{t}/d1/"], f"{t}/d1/")
    assert not path_in_globs([f"{t}/d1/"], f"{t}/d1")
    assert not path_in_globs([f"{t}/a.txt"], f"{t}/a.txt\n")
    assert not path_in_globs([f"{t}/*"], f"{t}/a.txt\x00")


def test_path_in_globs_symlinks(tree: Path) -> None:
    t = str(tree)
    # A result that is a symlink matches its own path, not its target.
    assert path_in_globs([f"{t}/fl*"], f"{t}/flink")
    assert not path_in_globs([f"{t}/fl*"], f"{t}/a.txt")
    assert path_in_globs([f"{t}/l*"], f"{t}/lnk")
    assert not path_in_globs([f"{t}/l*"], f"{t}/d1")
    assert path_in_globs([f"{t}/lnk/*"], f"{t}/lnk/f1")
    assert not path_in_globs([f"{t}/lnk/*"], f"{t}/d1/f1")
    assert path_in_globs([f"{t}/br*"], f"{t}/broken")  # dangling symlinks count


def test_path_in_globs_bad_globs_are_skipped(tree: Path) -> None:
    t = str(tree)
    assert not path_in_globs(["[", f"{t}/[a"], f"{t}/a.txt")
    assert path_in_globs(["[", f"{t}/a*"], f"{t}/a.txt")


# --------------------------------------------------------------------------- regexp

# Kata's TestRegexpContains (src/runtime/pkg/oci/utils_test.go).
KATA_REGEXP_CASES: list[tuple[list[str], str, bool]] = [
    ([], "", False),
    ([], "nonempty", False),
    (["simple"], "simple", True),
    (["simple"], "some_simple_text", True),
    (["simple"], "simp", False),
    (["one", "two"], "one", True),
    (["one", "two"], "two", True),
    (["o*"], "oooo", True),
    (["o*"], "oooa", True),
    (["^o*$"], "oooa", False),
]


@pytest.mark.parametrize(("regexps", "to_match", "expected"), KATA_REGEXP_CASES)
def test_kata_regexp_contains(regexps: list[str], to_match: str, expected: bool) -> None:
    assert regexp_contains(regexps, to_match) is expected


def test_regexp_contains_skips_bad_patterns() -> None:
    assert regexp_contains(["(", "a"], "a")
    assert not regexp_contains(["("], "(")
    assert not regexp_contains(["(?=x)"], "x")


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("a$", "a\n", False),  # $ is end of text (Python: before a final \n too)
        ("a$", "a", True),
        ("^$", "\n", False),
        ("(?m)a$", "a\nb", True),
        ("a\\z", "a", True),
        ("\\d", "٣", False),  # \d is ASCII only
        ("\\d", "3", True),
        ("\\w", "é", False),
        ("\\s", "\v", False),
        ("[[:space:]]", "\v", True),
        ("\\b", "é", False),
        ("(?i)k", "\u212a", True),  # Kelvin sign folds to k
        ("(?i)s", "\u017f", True),  # long s
        ("(?i)ß", "ẞ", True),
        ("(?i)\u0130", "i", False),
        ("a{,3}", "a{,3}", True),  # literal
        ("a{,3}", "aa", False),
        ("\\Q.*\\E", ".*", True),
        ("\\Q.*\\E", "ab", False),
        ("\\pL", "\u03b1", True),
        ("\\p{Greek}", "\u03b1", True),
        ("\\p{Greek}", "a", False),
        ("^*", "x", True),
        ("(?P<1>a)", "a", True),
        ("(?P<n>a)(?P<n>b)", "ab", True),  # duplicate names are fine in Go
        ("(?U)a+", "aa", True),
        ("\\B", "aéa", False),  # RE2 alone would match between the bytes of é
        ("\\B", "aé", True),
        ("a\\B", "aéa", False),
        ("\\Bé", "aéa", False),
        ("\\B", "ab", True),
        (".", "\x00", True),
    ],
)
def test_match_string(pattern: str, subject: str, expected: bool) -> None:
    assert match_string(pattern, subject) is expected


@pytest.mark.parametrize(
    ("pattern", "error"),
    [
        ("\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
        ("(?=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
        ("(?<=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),
        ("\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
        ("(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
        ("x{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
        ("x{2}{3}", "error parsing regexp: invalid nested repetition operator: `{2}{3}`"),
        ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
        ("a++", "error parsing regexp: invalid nested repetition operator: `++`"),
        ("(?<n>a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),
        ("\\C", "error parsing regexp: invalid escape sequence: `\\C`"),
        ("(?P<é>a)", "error parsing regexp: invalid named capture: `(?P<é>`"),
        ("\\p{Vithkuqi}", "error parsing regexp: invalid character class range: `\\p{Vithkuqi}`"),
        ("[[:foo:]]", "error parsing regexp: invalid character class range: `[:foo:]`"),
        ("(", "error parsing regexp: missing closing ): `(`"),
        (")", "error parsing regexp: unexpected ): `)`"),
        ("[a", "error parsing regexp: missing closing ]: `[a`"),
        ("a\\", "error parsing regexp: trailing backslash at end of expression: ``"),
        ("*", "error parsing regexp: missing argument to repetition operator: `*`"),
        ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
        ("\\x{110000}", "error parsing regexp: invalid escape sequence: `\\x{110000`"),
        ("(?x)a", "error parsing regexp: invalid or unsupported Perl syntax: `(?x`"),
        ("(?#c)", "error parsing regexp: invalid or unsupported Perl syntax: `(?#`"),
        ("\\ud800", "error parsing regexp: invalid escape sequence: `\\u`"),
    ],
)
def test_regexp_rejected(pattern: str, error: str) -> None:
    assert compile_regexp(pattern) is None
    assert match_string(pattern, pattern) is False
    assert regexp_error(pattern) == error


@pytest.mark.parametrize(
    "pattern", ["\\z", "a$", "(?i)k", "\\pL{1000}", "(?P<name>x)", "a(?i)b", "(?i)a(?-i)b"]
)
def test_regexp_accepted(pattern: str) -> None:
    rx = compile_regexp(pattern)
    assert isinstance(rx, Regexp)
    assert rx.pattern == pattern
    assert regexp_error(pattern) is None


def test_regexp_nesting_limit() -> None:
    # Go 1.19.8 refuses parse trees more than 1000 deep; RE2 alone would accept these.
    assert compile_regexp("(" * 999 + "a" + ")" * 999) is not None
    assert compile_regexp("(" * 1000 + "a" + ")" * 1000) is None
    assert regexp_error("(" * 1001 + ")" * 1001) == (
        "error parsing regexp: expression nests too deeply: `" + "(" * 1001 + ")" * 1001 + "`"
    )
    # Non-capturing groups collapse in Go's tree, so depth alone is not the rule.
    assert compile_regexp("(?:" * 5000 + "a" + ")" * 5000) is not None


def test_regexp_linear_time() -> None:
    # Exponential for a backtracking engine; RE2 is linear. Only checks that it returns.
    assert match_string("(a+)+$", "a" * 50000 + "b") is False
    assert match_string("(a|aa)*c", "a" * 50000) is False


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        (".", "\udcff", True),  # Go reads an invalid byte as U+FFFD, which . matches
        ("\\x{FFFD}", "\udcff", True),
        ("a", "\ud800", False),
        ("a", "\ud800a", True),
        ("^.$", "\ud800", True),
        ("\\B", "a\udcffa", False),  # like "aéa": every rune boundary is a word boundary
        ("\\B", "\udcff", True),
    ],
)
def test_regexp_lone_surrogates(pattern: str, subject: str, expected: bool) -> None:
    assert match_string(pattern, subject) is expected


def test_surrogate_in_pattern_does_not_compile() -> None:
    assert compile_regexp("a\ud800") is None
    assert regexp_error("a\ud800") is not None


def test_compile_regexp_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    first = compile_regexp("cached-pattern")
    assert first is not None
    assert compile_regexp("cached-pattern") is first
    monkeypatch.setattr(golang, "_cache", {})
    for i in range(1100):
        compile_regexp(f"p{i}")
    assert len(golang._cache) <= 1024
    assert "p1099" in golang._cache
    assert "p0" not in golang._cache


def test_re2_is_imported_lazily() -> None:
    code = (
        "import sys, kata_oci.golang as g\n"
        "assert 're2' not in sys.modules, 'imported early'\n"
        "assert g.match_string('a', 'a') and g.match_string('.*', '')\n"
        "assert 're2' not in sys.modules, 'a literal needs no RE2'\n"
        "assert g.match_string('a+', 'a')\n"
        "assert 're2' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_no_re2_log_on_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    assert compile_regexp("(?=never-logged)") is None
    assert regexp_error("(?=never-logged-either)") is not None
    assert capfd.readouterr().err == ""
