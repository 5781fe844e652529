"""read_regular_file and parse_config_json's path: the one-read fast path reads what the general loop reads.

A regular file whose read gives exactly the size fstat reported is taken in
one read; anything else (short reads, a file that grew, procfs's size 0, a
size past the limit) goes the general way. Each case is checked against the
file's bytes as another reader sees them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import kata_oci
from kata_oci.errors import SpecFileError
from kata_oci.readfile import read_regular_file
from kata_oci.spec import read_config_json

SIZES = [0, 1, 2, 4095, 4096, 4097, 65535, 65536, 65537, 200_003]


@pytest.mark.parametrize("size", SIZES)
def test_a_regular_file_is_read_whole(tmp_path: Path, size: int) -> None:
    data = bytes((i * 7 + 3) % 251 for i in range(size))
    path = tmp_path / "f"
    path.write_bytes(data)
    assert read_regular_file(path, 1 << 20) == data
    assert read_regular_file(path, size) == data  # exactly at the limit


@pytest.mark.parametrize("size", [1, 4096, 65537, 200_003])
def test_short_reads_are_read_on_to_the_end(
    tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(size)
    path = tmp_path / "f"
    path.write_bytes(data)
    real = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: real(fd, min(n, 1000)))  # a file system giving short reads
    assert read_regular_file(path, 1 << 20) == data


@pytest.mark.parametrize(("reported", "size"), [(0, 10), (5, 10), (9, 10), (4096, 70_000)])
def test_a_file_that_grew_after_fstat_is_read_to_its_end(
    tmp_path: Path, reported: int, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(size)
    path = tmp_path / "f"
    path.write_bytes(data)
    real = os.fstat

    def smaller(fd: int) -> os.stat_result:
        st = real(fd)
        fields = list(st)
        fields[6] = reported  # st_size
        return os.stat_result(fields)

    monkeypatch.setattr(os, "fstat", smaller)
    assert read_regular_file(path, 1 << 20) == data
    with pytest.raises(OSError, match="more than") as info:
        read_regular_file(path, size - 1)  # grew past the limit
    assert info.value.filename == str(path)


def test_a_procfs_file_of_size_zero_is_read_whole() -> None:
    path = Path("/proc/version")
    if not path.exists() or os.stat(path).st_size != 0:
        pytest.skip("no procfs")
    assert read_regular_file(path, 1 << 20) == path.read_bytes()


def test_a_file_that_shrank_after_fstat_is_what_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    real = os.fstat

    def larger(fd: int) -> os.stat_result:
        fields = list(real(fd))
        fields[6] = 10
        return os.stat_result(fields)

    monkeypatch.setattr(os, "fstat", larger)
    assert read_regular_file(path, 1 << 20) == b"abc"


@pytest.mark.parametrize("bundle", ["", "b", "b/", "b//", "./b", "/nowhere/b", "/nowhere/b/", "/"])
def test_the_config_json_path_is_os_path_join(
    tmp_path: Path, bundle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecFileError) as info:
        kata_oci.parse_config_json(bundle)
    assert info.value.file == os.path.join(bundle, "config.json")
    assert info.value.bundle == bundle


def test_a_bundle_path_given_as_bytes_is_refused_as_before(tmp_path: Path) -> None:
    # os.fspath keeps bytes; the path test refuses them with a TypeError, as os.path.join did.
    with pytest.raises(TypeError):
        kata_oci.parse_config_json(os.fsencode(tmp_path))  # type: ignore[arg-type]


def test_the_empty_bundle_is_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.json").write_bytes(b'{"ociVersion": "1.0.2", "hostname": "here"}')
    monkeypatch.chdir(tmp_path)
    assert kata_oci.parse_config_json("").hostname == "here"
    assert kata_oci.parse_config_json("config.json").hostname == "here"


BLANKS = [b"", b" ", b"\n", b"\t\r\n ", b" " * 5000]
NOT_BLANK = [b"{}", b" {}", b"\n{}\n", b"\x0c", b"\x0b{}", b"\xa0", b"x", b" \n x", b"{" + b" " * 5000]


@pytest.mark.parametrize("content", BLANKS)
def test_blank_is_nothing_but_json_white_space(tmp_path: Path, content: bytes) -> None:
    assert not content.strip(b" \t\r\n")  # the rule: JSON's four white-space characters only
    (tmp_path / "config.json").write_bytes(content)
    reason = "empty" if not content else "empty (only white space)"
    with pytest.raises(SpecFileError, match=rf"config\.json is {re.escape(reason)}$"):
        kata_oci.parse_config_json(tmp_path)


@pytest.mark.parametrize("content", NOT_BLANK)
def test_anything_else_is_for_the_decoder_to_judge(tmp_path: Path, content: bytes) -> None:
    assert content.strip(b" \t\r\n")
    (tmp_path / "config.json").write_bytes(content)
    assert read_config_json(tmp_path) == content
    if content.strip(b" \t\r\n") == b"{}":
        assert kata_oci.parse_config_json(tmp_path) == kata_oci.Spec()
    else:
        with pytest.raises(kata_oci.SpecError) as info:
            kata_oci.parse_config_json(tmp_path)
        assert type(info.value) is kata_oci.SpecError  # the decoder's, not the file's
