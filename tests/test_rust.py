"""Tests for kata_oci.rust: the Rust parsing rules runtime-rs depends on.

Expected values come from the reference crates' own tests, cited per test:
byte-unit 5.2.3 (tests/byte.rs), glob 0.3.3 (src/lib.rs tests), kata-types at
kata-containers 7c6ba40 (annotations/mod.rs, config/mod.rs tests), and from
Rust's documented ``FromStr`` rules where no test exists.
"""

from __future__ import annotations

import math

import pytest

from kata_oci.rust import (
    GlobPattern,
    GlobPatternError,
    RegexSet,
    RegexSyntaxError,
    RustParseError,
    convert_to_megabytes,
    parse_bool,
    parse_byte_size,
    parse_f32,
    parse_i32,
    parse_u32,
    parse_u64,
    trim,
    validate_path_pattern,
)

# --------------------------------------------------------------------------- str::trim / parse


def test_trim_is_unicode_white_space_not_python_strip() -> None:
    assert trim("\u2003 2048\t\n\u3000") == "2048"
    # Python's str.strip() also removes \x1c-\x1f; Rust's trim does not.
    assert trim("\x1c2048\x1f") == "\x1c2048\x1f"


@pytest.mark.parametrize(("s", "value"), [("true", True), ("false", False)])
def test_parse_bool_accepts_only_true_and_false(s: str, value: bool) -> None:
    assert parse_bool(s) is value


@pytest.mark.parametrize("s", ["True", "TRUE", "1", "0", "t", "f", "yes", " true", "false ", ""])
def test_parse_bool_rejects_what_go_accepts(s: str) -> None:
    with pytest.raises(RustParseError) as info:
        parse_bool(s)
    assert str(info.value) == "provided string was not `true` or `false`"


@pytest.mark.parametrize(
    ("s", "value"),
    [("0", 0), ("+7", 7), ("007", 7), ("4294967295", 4294967295)],
)
def test_parse_u32_accepts(s: str, value: int) -> None:
    assert parse_u32(s) == value


@pytest.mark.parametrize(
    ("s", "reason"),
    [
        ("", "cannot parse integer from empty string"),
        ("-1", "invalid digit found in string"),  # kata-types test: memory_slots "-1" fails
        ("-0", "invalid digit found in string"),
        ("+", "invalid digit found in string"),
        (" 1", "invalid digit found in string"),
        ("1_000", "invalid digit found in string"),
        ("\uff11", "invalid digit found in string"),  # a fullwidth digit
        ("4294967296", "number too large to fit in target type"),
        ("99999999999x", "number too large to fit in target type"),  # left to right, like Rust
    ],
)
def test_parse_u32_rejects(s: str, reason: str) -> None:
    with pytest.raises(RustParseError) as info:
        parse_u32(s)
    assert info.value.reason == reason


def test_parse_signed_and_u64_bounds() -> None:
    assert parse_i32("-2147483648") == -(1 << 31)
    with pytest.raises(RustParseError, match="too small"):
        parse_i32("-2147483649")
    assert parse_u64("18446744073709551615") == (1 << 64) - 1
    with pytest.raises(RustParseError, match="too large"):
        parse_u64("18446744073709551616")


@pytest.mark.parametrize(
    ("s", "value"),
    [
        ("12", 12.0),  # kata-types test_change_config_annotation: default_vcpus "12"
        ("0.5", 0.5),
        ("1.", 1.0),
        (".5", 0.5),
        ("1e2", 100.0),
        ("-1", -1.0),
        ("+2", 2.0),
        ("16777217", 16777216.0),  # rounded to single precision
        ("0.1", 0.10000000149011612),
        ("1e40", math.inf),
        ("-INFINITY", -math.inf),
        ("inf", math.inf),
    ],
)
def test_parse_f32(s: str, value: float) -> None:
    assert parse_f32(s) == value


def test_parse_f32_nan_in_any_case() -> None:
    assert math.isnan(parse_f32("NaN")) and math.isnan(parse_f32("nan"))


def test_parse_f32_rounds_the_decimal_not_the_double() -> None:
    # Just above the midpoint between 1.0 and the next float: rounding to a double first
    # would give exactly the midpoint and then round down to 1.0.
    assert parse_f32("1.00000005960464477550") == 1.0000001192092896
    assert parse_f32("1.000000059604644775390625") == 1.0  # the exact midpoint: ties to even


# the last: ARABIC-INDIC DIGIT ONE
@pytest.mark.parametrize("s", ["", "ddc", " 1", "1 ", "1_0", "0x10", "e5", "1e", ".", "+", "\u0661"])
def test_parse_f32_rejects(s: str) -> None:
    # kata-types test_fail_to_change_default_vcpus_becuase_invalid_input: "ddc"
    with pytest.raises(RustParseError, match="invalid float literal"):
        parse_f32(s)


# --------------------------------------------------------------------------- byte-unit 5.2.3

# byte-unit 5.2.3 tests/byte.rs parse_str: the cases whose answer does not depend on
# ignore_case, and those with ignore_case = true (what kata-types passes).
_BYTE_OK = [
    ("0", 0),
    ("0b", 0),
    ("1", 1),
    ("1b", 1),
    ("1 b", 1),
    ("1  b", 1),
    ("1.1", 2),
    ("1.1b", 2),
    ("0kb", 0),
    ("1.2kb", 1200),
    ("2 kiB", 2048),
    ("76.65 MB", 76650000),
    ("16 EB", 16000000000000000000),
    ("18446744073709551615", 18446744073709551615),
]
_BYTE_ERR = ["", "-0", "b", "i", "c", "-1", "1i", "1c", "1bc", "16 EiB", "2048r", "2048é"]


@pytest.mark.parametrize(("s", "value"), _BYTE_OK)
def test_byte_unit_parse_str(s: str, value: int) -> None:
    assert parse_byte_size(s) == value


@pytest.mark.parametrize("s", _BYTE_ERR)
def test_byte_unit_parse_str_errors(s: str) -> None:
    with pytest.raises(RustParseError):
        parse_byte_size(s)


@pytest.mark.parametrize(
    ("s", "value"),
    [
        ("1T", 10**12),  # byte-unit tests/byte.rs exact_unit: "1T" is 1 TB (decimal)
        ("1Ti", 1 << 40),
        ("1024Ti", 1 << 50),
        ("123456B", 123456),
        ("8bit", 1),
        ("9 bits", 2),  # bits, rounded up to whole bytes
        ("2 Gbit", 250_000_000),
    ],
)
def test_byte_unit_units(s: str, value: int) -> None:
    assert parse_byte_size(s) == value


@pytest.mark.parametrize(
    ("s", "mib"),
    [
        ("2048", 2048),  # kata-types parse_memory_no_unit
        ("2 GiB", 2048),  # kata-types parse_memory_with_units
        ("100MiB", 100),  # kata-types test_change_config_annotation
        (" 4096\t", 4096),
        ("2G", 1907),  # decimal gigabytes, truncated to whole MiB
        ("2Gi", 2048),
        ("0.5 GiB", 512),
        ("1.5", 0),  # not a bare number: 1.5 bytes, rounded up to 2 bytes, then 0 MiB
        ("1 KiB", 0),
        ("5000000 GiB", 4294967295),  # f64 -> u32 saturates
    ],
)
def test_convert_to_megabytes(s: str, mib: int) -> None:
    assert convert_to_megabytes(s) == mib


@pytest.mark.parametrize("s", ["2048r", "", "-1", "+5", "2 GiBs", "1e3", "two"])
def test_convert_to_megabytes_unparsable_is_none(s: str) -> None:
    # kata-types parse_memory_parse_error: "2048r" -> Ok(None), ignored by the annotation step
    assert convert_to_megabytes(s) is None


def test_convert_to_megabytes_bare_number_overflow_is_an_error() -> None:
    # Reachable, although kata-types' comment calls it unreachable: 2^44 MiB overflow u64 bytes.
    with pytest.raises(RustParseError, match="failed to convert 17592186044416 to MiB"):
        convert_to_megabytes(str(1 << 44))
    assert convert_to_megabytes(str((1 << 44) - 1)) == 4294967295


# --------------------------------------------------------------------------- glob 0.3.3


def test_validate_path_pattern_from_kata_types() -> None:
    # kata-types config/mod.rs test_validate_path_pattern
    assert not validate_path_pattern([], "/bin/ls")
    assert not validate_path_pattern(["/bin"], "/bin/ls")
    assert not validate_path_pattern(["/bin/*/ls"], "/bin/ls")
    assert validate_path_pattern(["/bin/*"], "/bin/ls")
    assert validate_path_pattern(["/*"], "/bin/ls")  # * crosses /, unlike Go's filepath.Match
    assert validate_path_pattern(["/usr/share", "/bin/*"], "/bin/ls")


def test_validate_path_pattern_skips_bad_patterns_and_never_looks_at_disk() -> None:
    assert validate_path_pattern(["[", "/no/such/dir/*"], "/no/such/dir/x/y")


@pytest.mark.parametrize(
    ("pattern", "text", "matched"),
    [
        # glob 0.3.3 src/lib.rs tests
        ("a*b", "a_b", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "abcd", False),
        ("a*b*c", "a_b_c", True),
        ("a*b*c", "a___b___c", True),
        ("abc*abc*abc", "abcabcabcabcabcabcabc", True),
        ("abc*abc*abc", "abcabcabcabcabcabcabca", False),
        ("a*a*a*a*a*a*a*a*a", "a" * 50, True),
        ("a*b[xyz]c*d", "abxcdbxcddd", True),
        ("some/**/needle.txt", "some/needle.txt", True),
        ("some/**/needle.txt", "some/one/two/needle.txt", True),
        ("some/**/needle.txt", "some/other/notthis.txt", False),
        ("**", "abcde", True),
        ("**", "", True),
        ("**", ".asdf", True),
        ("**", "/x/.asdf", True),
        ("**/test", "one/two/test", True),
        ("**/test", "test", True),
        ("/**/test", "/one/test", True),
        ("/**/test", "/notthis", False),
        ("**/.*", ".abc", True),
        ("**/.*", "abc/.abc", True),
        ("**/.*", "ab.c", False),
        ("[-]", "-", True),
        ("[!-]", "-", False),
        ("[a-]", "-", True),
        ("*hello.txt", "some\\path\\to\\hello.txt", True),
        ("c?t", "cat", True),
        ("k[!e]tteh", "kitteh", True),
        ("d*g", "doog", True),
        ("abc?def", "abc/def", True),  # default options: ? matches /
        ("abc[/]def", "abc/def", True),
    ],
)
def test_glob_pattern_matches(pattern: str, text: str, matched: bool) -> None:
    assert GlobPattern(pattern).matches(text) is matched


@pytest.mark.parametrize(
    ("pattern", "pos"),
    [
        # glob 0.3.3 src/lib.rs test_pattern_from_str / test_wildcard_errors / test_range_pattern
        ("a/**b", 4),
        ("a/bc**", 3),
        ("a/*****", 4),
        ("a/b**c**d", 2),
        ("a**b", 0),
        ("abc[def", 3),
        ("abc[!def", 3),
        ("abc[", 3),
        ("abc[!", 3),
        ("abc[d", 3),
        ("abc[!d", 3),
        ("abc[]", 3),
        ("abc[!]", 3),
    ],
)
def test_glob_pattern_errors(pattern: str, pos: int) -> None:
    with pytest.raises(GlobPatternError) as info:
        GlobPattern(pattern)
    assert info.value.pos == pos


def test_glob_matching_is_linear_not_exponential() -> None:
    pattern = GlobPattern("*a" * 30 + "b")
    assert not pattern.matches("a" * 5000)


# --------------------------------------------------------------------------- regex 1.12 RegexSet


def test_regex_set_unanchored_like_the_regex_crate() -> None:
    gate = RegexSet(["default_vcpus", "path$"])
    assert gate.is_match("default_vcpus")
    assert gate.is_match("xdefault_vcpusx")  # unanchored search
    assert gate.is_match("jailer_path")
    assert not gate.is_match("path_hash")
    assert not RegexSet([]).is_match("anything")  # an empty set matches nothing
    assert RegexSet([""]).is_match("anything")


def test_regex_set_fails_as_a_whole_on_one_bad_pattern() -> None:
    with pytest.raises(RegexSyntaxError):
        RegexSet(["default_vcpus", "("])


@pytest.mark.parametrize(
    "pattern",
    [
        "a{",  # Rust: a "{" must start a counted repetition (RE2/Go: a literal)
        "a{,5}",  # Rust refuses an empty minimum
        "a{5,3}",
        r"\Qa\E",  # RE2 only
        r"\C",
        r"\0",  # octal/back-reference
        r"\1",
        r"\e",
        "(?i)*",
        "(?)",
    ],
)
def test_regex_rust_refuses(pattern: str) -> None:
    with pytest.raises(RegexSyntaxError) as info:
        RegexSet([pattern])
    assert not info.value.unsupported


@pytest.mark.parametrize(
    ("pattern", "text", "matched"),
    [
        ("a**", "aaa", True),  # Rust repeats a repetition; RE2 alone refuses "a**"
        ("a{2}{3}", "aaaaaa", True),
        (r"\u0041", "A", True),  # Rust's \u escape
        (r"^\d$", "\u0663", True),  # \d is Unicode in Rust (ARABIC-INDIC DIGIT THREE)
        (r"^\w+$", "h\u00e9llo", True),
        (r"^\s$", "\u2003", True),
        ("(?<n>a)b", "ab", True),
        ("(?u)a", "a", True),
        ("[[:alpha:]]+", "abc", True),
    ],
)
def test_regex_rust_syntax_on_re2(pattern: str, text: str, matched: bool) -> None:
    assert RegexSet([pattern]).is_match(text) is matched


@pytest.mark.parametrize("pattern", ["[a&&b]", "[[a]b]", "(?x)a b", r"\<a", r"\b{start}a", "(?-u:a)"])
def test_regex_rust_only_syntax_is_refused_clearly(pattern: str) -> None:
    with pytest.raises(RegexSyntaxError) as info:
        RegexSet([pattern])
    assert info.value.unsupported
    assert "kata-oci cannot evaluate" in str(info.value)


def test_glob_shortcuts_agree_with_the_full_table() -> None:
    import random

    rng = random.Random(1234)
    alphabet = ["a", "b", "/", "*", "?", "**", "[ab]", "[!a]", "/**/", "."]
    checked = 0
    for _ in range(3000):
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        try:
            glob = GlobPattern(pattern)
        except GlobPatternError:
            continue
        text = "".join(rng.choice("ab/.") for _ in range(rng.randint(0, 8)))
        assert glob.matches(text) == GlobPattern._table(glob._tokens, text), (pattern, text)
        checked += 1
    assert checked > 1000


def test_glob_on_a_huge_value() -> None:
    value = "/usr/bin/" + "x" * 1_000_000
    assert GlobPattern("/usr/bin/*").matches(value)
    assert not GlobPattern("/usr/bin/qemu*").matches(value)
    assert GlobPattern("/usr/*/x*x").matches(value)
