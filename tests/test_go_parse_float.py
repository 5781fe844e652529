"""kata_oci.golang.parse_float: Go's strconv.ParseFloat, which Kata 4.1 uses for default_vcpus.

Vectors from Go's own strconv/atof_test.go (float64 and float32 tables), plus
the rounding cases that decide a float32.
"""

from __future__ import annotations

import math

import pytest

from kata_oci.golang import NumError, parse_float

SYNTAX, RANGE = "invalid syntax", "value out of range"


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        ("1", 1.0),
        ("+1", 1.0),
        ("1e23", 1e23),
        ("1E23", 1e23),
        ("100000000000000000000000", 1e23),
        ("1e-100", 1e-100),
        ("123456700", 1.234567e08),
        ("-1", -1.0),
        ("-0", -0.0),
        ("1e-20", 1e-20),
        ("625e-3", 0.625),
        ("0x1p0", 1.0),
        ("0x1.8p1", 3.0),
        ("0X1P-2", 0.25),
        ("1_23.50_0_0e+1_2", 1.235e14),
        ("0x_1p0", 1.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1.7976931348623157e308", 1.7976931348623157e308),
        ("4.940656458412465441765687928682213723651e-324", 5e-324),
        (
            "2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125e-324",
            0.0,  # exactly half the smallest denormal: to even
        ),
        ("1.00000000000000011102230246251565404236316680908203125", 1.0),  # a tie: to even
        ("1.00000000000000011102230246251565404236316680908203125" + "0" * 10000 + "1", 1.0000000000000002),
        ("1e-350", 0.0),
        ("inf", math.inf),
        ("-Inf", -math.inf),
        ("+INFINITY", math.inf),
    ],
)
def test_parse_float_64(s: str, expected: float) -> None:
    got = parse_float(s, 64)
    assert got == expected and math.copysign(1, got) == math.copysign(1, expected)


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        ("1", 1.0),
        ("0.1", 0.10000000149011612),
        ("2.2", 2.200000047683716),
        ("16777217", 16777216.0),  # a tie: to even
        ("16777219", 16777220.0),  # a tie: to even (up)
        ("1.000000059604644775390625", 1.0),  # exactly halfway: to even
        ("1.000000059604644775390626", 1.0000001192092896),  # just above halfway: up
        ("1.00000005960464477539062499", 1.0),
        ("3.4028234663852886e38", 3.4028234663852886e38),
        ("3.4028235677973366e38", 3.4028234663852886e38),  # just below the overflow point
        ("1e-45", 1.401298464324817e-45),  # the smallest denormal
        ("7e-46", 0.0),
        ("0x1p-150", 0.0),  # half the smallest denormal: to even (0)
        ("0x1.000001p-150", 1.401298464324817e-45),
        ("1" + "0" * 30 + "e-30", 1.0),
    ],
)
def test_parse_float_32(s: str, expected: float) -> None:
    assert parse_float(s, 32) == expected


@pytest.mark.parametrize("s", ["1e39", "3.4028236e38", "-1e39", "0x1p128"])
def test_parse_float_32_out_of_range(s: str) -> None:
    with pytest.raises(NumError) as info:
        parse_float(s, 32)
    assert info.value.err == RANGE
    assert parse_float(s.replace("e39", "e38").replace("p128", "p127"), 64)


def test_parse_float_nan_any_case() -> None:
    assert math.isnan(parse_float("NaN", 32)) and math.isnan(parse_float("nan", 64))


@pytest.mark.parametrize(
    "s",
    [
        "",
        " 1",
        "1 ",
        "+",
        "-",
        ".",
        "e1",
        "1e",
        "1e+",
        "0x",
        "0x1",
        "0x1.8",
        "0x1p",
        "1x",
        "++1",
        "+nan",
        "-NaN",
        "infin",
        "1__23",
        "_123",
        "123_",
        "123_.5",
        "123._5",
        "123.5_e+12",
        "123.5e_+12",
        "1.2.3",
        "\u0661",
        "1,5",
    ],
)
def test_parse_float_syntax_errors(s: str) -> None:
    with pytest.raises(NumError) as info:
        parse_float(s, 32)
    assert info.value.err == SYNTAX
    assert str(info.value).startswith("strconv.ParseFloat: parsing ")


def test_parse_float_long_inputs_are_bounded() -> None:
    assert parse_float("0." + "0" * 100000 + "1", 32) == 0.0
    with pytest.raises(NumError):
        parse_float("1" + "0" * 100000, 32)
    assert parse_float("1." + "0" * 5000 + "1", 64) == 1.0
