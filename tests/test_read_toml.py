"""kata_oci.files.read_toml / parse_toml: the one bounded TOML reader every loader uses.

Hostile or broken configuration files get a ConfigError with the file, line
and column, never a RecursionError, a hang or quadratic time.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from kata_oci.errors import ConfigError
from kata_oci.files import MAX_TOML_DEPTH, MAX_TOML_KEY_PARTS, parse_toml, read_toml


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "configuration.toml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_reads_a_document(tmp_path: Path) -> None:
    path = write(tmp_path, '[hypervisor.qemu]\npath = "/usr/bin/qemu"\nkernel_params = ["a", "b"]\n')
    assert read_toml(path) == {"hypervisor": {"qemu": {"path": "/usr/bin/qemu", "kernel_params": ["a", "b"]}}}


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 500 + "]" * 500 + "\n",
        "x = " + "{a = " * 500 + "1" + "}" * 500 + "\n",
        "x = [" + "{a = [" * 300 + "]}" * 300 + "]\n",
    ],
    ids=["arrays", "inline-tables", "mixed"],
)
def test_deep_nesting_is_a_config_error_not_recursion(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError) as info:
        read_toml(write(tmp_path, text), what="Kata configuration")
    err = info.value
    assert err.file == str(tmp_path / "configuration.toml")
    assert err.line == 1
    opening = [i for i, c in enumerate(text) if c in "[{"]
    assert err.column == opening[MAX_TOML_DEPTH] + 1  # the first bracket too many
    assert f"more than {MAX_TOML_DEPTH} levels" in err.reason
    assert "Kata configuration" in str(err)


def test_nesting_at_the_limit_is_read(tmp_path: Path) -> None:
    depth = MAX_TOML_DEPTH
    doc = read_toml(write(tmp_path, "x = " + "[" * depth + "]" * depth + "\n"))
    value = doc["x"]
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize(
    "text",
    [
        "[" + ".".join(["a"] * 32768) + "]\n",
        "[[" + ".".join(["a"] * 32768) + "]]\n",
        ".".join(["a"] * 32768) + " = 1\n",
        "x = {" + ".".join(["a"] * 32768) + " = 1}\n",
        'x = {b = 1, "q".' + ".".join(["a"] * 32768) + " = 1}\n",
    ],
    ids=["header", "array-of-tables", "key", "inline-key", "inline-second-key"],
)
def test_long_dotted_keys_are_refused_fast(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        read_toml(path)
    elapsed = time.perf_counter() - start
    assert f"more than {MAX_TOML_KEY_PARTS} dotted parts" in info.value.reason
    assert info.value.line == 1
    assert elapsed < 0.2  # tomllib alone takes 0.4-8 s on these


def test_long_header_is_refused(tmp_path: Path) -> None:
    text = '["' + "a" * 5000 + '"]\n'
    with pytest.raises(ConfigError) as info:
        read_toml(write(tmp_path, "x = 1\n" + text))
    assert info.value.line == 2
    assert info.value.column == 1
    assert "table header" in info.value.reason


def test_brackets_in_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    deep = "[" * 200
    text = (
        f'a = "{deep}"\n'
        f"b = '{deep}'\n"
        f'c = """\n{deep}\n"""\n'
        f"d = '''\n{deep}\n'''\n"
        f"# {deep}\n"
        f'e = ["x", "]", \'[\', "\\"["]  # {deep}\n'
        f'"{".".join("k" * 100)}" = 1\n'
        'f = """a""""\n'
        "[t]\n"
        "g = [\n  [1, 2], # [[[[\n  [3],\n]\n"
        f"h = {'{'} x = 1, y = [1.5, 2.5, 3.5] {'}'}\n"
    )
    doc = read_toml(write(tmp_path, text))
    assert doc["a"] == deep
    assert doc["c"] == deep + "\n"
    assert doc["e"] == ["x", "]", "[", '"[']
    assert doc["f"] == 'a"'
    assert doc["t"]["g"] == [[1, 2], [3]]
    assert doc["t"]["h"] == {"x": 1, "y": [1.5, 2.5, 3.5]}


def test_many_dotted_values_on_one_line_are_fine(tmp_path: Path) -> None:
    text = "x = [" + ", ".join(f"{i}.5" for i in range(5000)) + "]\n"
    assert len(read_toml(write(tmp_path, text))["x"]) == 5000


def test_syntax_error_has_file_line_column(tmp_path: Path) -> None:
    path = write(tmp_path, "[runtime]\nenable_debug = \n")
    with pytest.raises(ConfigError) as info:
        read_toml(path, what="runtime-rs configuration")
    err = info.value
    assert (err.file, err.line, err.column) == (str(path), 2, 16)
    assert err.reason.startswith("invalid TOML: ")
    assert str(err).startswith(f"{path}:2:16: ")


def test_end_of_document_error_points_at_the_last_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_toml('a = 1\nb = "open', file="x.toml")
    assert info.value.line == 2


def test_non_utf8_and_size_limit(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        read_toml(write(tmp_path, b"a = 1\nb = '\xff'\n"))
    assert info.value.line == 2
    assert "UTF-8" in info.value.reason
    with pytest.raises(ConfigError) as info:
        read_toml(write(tmp_path, "a = 1\n" * 10), limit=20)
    assert "more than 20 bytes" in info.value.reason


def test_missing_fifo_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        read_toml(tmp_path / "nope.toml", what="Kata configuration")
    assert "does not exist" in info.value.reason
    with pytest.raises(ConfigError) as info:
        read_toml(tmp_path)
    assert "directory" in info.value.reason
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError) as info:
        read_toml(fifo)
    assert "not a regular file" in info.value.reason


def test_the_kata1_loader_reads_through_it(tmp_path: Path) -> None:
    from kata_oci.configfile import load_runtime_config

    path = write(tmp_path, '[hypervisor.qemu]\nkernel_params = "' + "x" * 10 + '"\nx = ' + "[" * 500 + "\n")
    with pytest.raises(ConfigError) as info:
        load_runtime_config(path)
    assert (info.value.file, info.value.line) == (str(path), 3)
    assert info.value.key == "hypervisor.qemu.x"
    assert "levels deep" in info.value.reason


def test_same_document_as_tomllib_on_the_shipped_configuration() -> None:
    import tomllib

    text = (Path(__file__).parents[1] / "kata_oci" / "data" / "configuration.toml").read_text()
    assert parse_toml(text) == tomllib.loads(text)


def test_cut_bounds_untrusted_text() -> None:
    from kata_oci.errors import MAX_SHOWN, cut

    assert cut("short") == "short"
    assert cut("x" * MAX_SHOWN) == "x" * MAX_SHOWN
    long = cut("k" * 1_000_000)
    assert long == "k" * MAX_SHOWN + "...(1000000 characters)"
    assert cut(12345, limit=3) == "123...(5 characters)"


def test_dotted_keys_count_towards_the_depth(tmp_path: Path) -> None:
    # 63 inline tables of 64-part keys: each part a table, 4,032 levels in all.
    key = ".".join(["a"] * 64)
    value = "1"
    for _ in range(63):
        value = "{" + key + " = " + value + "}"
    with pytest.raises(ConfigError) as info:
        read_toml(write(tmp_path, "x = " + value + "\n"))
    assert "levels deep" in info.value.reason
    with pytest.raises(ConfigError) as info:  # a header and a key, 40 parts each
        read_toml(write(tmp_path, "[" + ".".join(["t"] * 40) + "]\n" + ".".join(["k"] * 40) + " = 1\n"))
    assert (info.value.line, info.value.column) == (2, 1)
    assert "levels deep" in info.value.reason


def test_depth_right_at_the_limit_with_headers_keys_and_brackets(tmp_path: Path) -> None:
    header = ".".join(["t"] * 30)  # 30 tables
    key = ".".join(["k"] * 30)  # 29 more tables, then the array: 60
    text = f"[{header}]\n{key} = " + "[" * 4 + "]" * 4 + "\n"  # arrays at 60, 61, 62, 63
    doc = read_toml(write(tmp_path, text))
    value: Any = doc
    for _ in range(60):
        value = next(iter(value.values()))
    assert value == [[[[]]]]
    with pytest.raises(ConfigError):
        read_toml(write(tmp_path, f"[{header}]\n{key} = " + "[" * 6 + "]" * 6 + "\n"))
    doc = read_toml(write(tmp_path, "[[a.b]]\nc = [[1]]\n[[a.b]]\nc = [2]\n"))
    assert doc == {"a": {"b": [{"c": [[1]]}, {"c": [2]}]}}
