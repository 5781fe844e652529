"""Logging: structlog events with Kata's fields, never on stdout, caller's logger honoured."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
import structlog
from structlog.testing import capture_logs

import kata_oci
from kata_oci.log import log


@pytest.fixture(autouse=True)
def _restore_logger() -> Iterator[None]:
    yield
    kata_oci.set_logger(None)


def test_events_carry_source_and_subsystem() -> None:
    with capture_logs() as logs:
        log.warning("something_odd", key="io.example", value="x")
    assert logs == [
        {
            "event": "something_odd",
            "key": "io.example",
            "value": "x",
            "source": "virtcontainers",
            "subsystem": "oci",
            "log_level": "warning",
        }
    ]


def test_set_logger_keeps_the_callers_fields_and_adds_ours() -> None:
    with capture_logs() as logs:
        kata_oci.set_logger(structlog.get_logger().bind(shim="kata-shim", pod="p1"))
        kata_oci.Engine.from_plugins([])
    assert len(logs) == 1
    assert logs[0]["event"] == "no_cri_plugins"
    assert logs[0]["shim"] == "kata-shim" and logs[0]["pod"] == "p1"
    assert logs[0]["source"] == "virtcontainers" and logs[0]["subsystem"] == "oci"


def test_set_logger_accepts_a_stdlib_logger(caplog: pytest.LogCaptureFixture) -> None:
    kata_oci.set_logger(logging.getLogger("my.shim"))
    with caplog.at_level(logging.WARNING, logger="my.shim"):
        log.warning("stdlib_routed", n=1)
    assert any("stdlib_routed" in r.getMessage() and r.name == "my.shim" for r in caplog.records)


def test_default_goes_to_the_stdlib_kata_oci_logger(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kata_oci"):
        log.warning("to_stdlib", n=2)
        log.debug("filtered_out")
    messages = [r.getMessage() for r in caplog.records if r.name == "kata_oci"]
    assert any("to_stdlib" in m and "subsystem" in m for m in messages)
    assert not any("filtered_out" in m for m in messages)


def test_unconfigured_library_writes_nothing_at_all() -> None:
    # Without a NullHandler on "kata_oci", Python's last-resort handler printed every warning
    # to stderr (32,000 lines from an 8-thread run).
    code = (
        "import kata_oci; from kata_oci.log import log; kata_oci.Engine.from_plugins([]);"
        "log.warning('unknown_annotation', key='x'); log.error('bad')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == ""
    assert result.stderr == ""


def test_kata_oci_logger_has_a_null_handler() -> None:
    code = (
        "import logging, kata_oci; from kata_oci.log import log; log.warning('x');"
        "print([type(h).__name__ for h in logging.getLogger('kata_oci').handlers])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['NullHandler']"
    # logging imported before kata_oci: the handler is there from the start
    code = (
        "import logging, kata_oci.log;"
        "print([type(h).__name__ for h in logging.getLogger('kata_oci').handlers])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['NullHandler']"


def test_a_host_that_configures_logging_gets_the_warnings() -> None:
    code = (
        "import logging; logging.basicConfig(level=logging.WARNING);"
        "import kata_oci; kata_oci.Engine.from_plugins([])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == ""
    assert "no_cri_plugins" in result.stderr


def test_disabled_levels_do_not_import_structlog() -> None:
    code = (
        "import sys, kata_oci; from kata_oci.log import log; log.debug('x'); log.info('y');"
        "print('structlog' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def _conversion_events() -> list[str]:
    from helpers import FIXTURES

    spec = kata_oci.decode_spec((FIXTURES / "kata-minimal-config.json").read_bytes())
    rc = kata_oci.RuntimeConfig(hypervisor_type=kata_oci.HypervisorType.QEMU)
    with capture_logs() as logs:
        kata_oci.sandbox_config(spec, rc, "/run/bundle", "c1")
    return [e["event"] for e in logs if e["log_level"] == "debug"]


def test_the_conversions_debug_events_are_logged_exactly_when_debug_is_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The hot path asks log.debug_enabled() before building a debug event: the same answer as
    # the event's own check, so turning DEBUG on shows the events, and off drops them.
    expected = ["container_rootfs", "shm_size_detected"]
    with caplog.at_level(logging.DEBUG, logger="kata_oci"):
        assert log.debug_enabled() and log.enabled("debug")
        assert _conversion_events() == expected
        previous = kata_oci.log.set_level("info")
        try:
            assert not log.debug_enabled()
            assert _conversion_events() == []
        finally:
            kata_oci.log.set_level(previous)
    with caplog.at_level(logging.INFO, logger="kata_oci"):
        assert not log.debug_enabled() and not log.enabled("debug")
        assert _conversion_events() == []
        kata_oci.set_logger(structlog.get_logger())  # a caller's logger decides for itself
        assert log.debug_enabled()
        assert _conversion_events() == expected


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def test_an_event_nothing_would_show_is_not_rendered() -> None:
    # Only the NullHandler, structlog never configured: the event is dropped before structlog
    # (whose default renderer costs ~70 µs an event), and callers skip computing its fields.
    code = (
        "import sys, kata_oci; from kata_oci.log import log; log.warning('x', key='k');"
        "print(log.enabled('warning'), log.enabled('error'), 'structlog' in sys.modules);"
        "import logging; logging.getLogger('kata_oci').setLevel(logging.DEBUG);"
        "print(log.enabled('debug'), log.debug_enabled())"
    )
    result = _run(code)
    assert result.stdout.split() == ["False", "False", "False", "False", "False"]
    assert result.stderr == ""


def test_an_event_a_handler_may_show_is_rendered() -> None:
    # which handlers would see it: by level, through propagate, or Python's last resort
    cases = {
        # a handler of level ERROR on kata_oci: errors only
        "h = logging.StreamHandler(); h.setLevel(logging.ERROR);"
        " logging.getLogger('kata_oci').addHandler(h)": (
            "False True",
            "error_event",
        ),
        # the root's handler, but kata_oci does not propagate: nothing
        "logging.basicConfig(); logging.getLogger('kata_oci').propagate = False": ("False False", ""),
        # no handler at all (the NullHandler removed): the last resort writes warnings
        "logging.getLogger('kata_oci').handlers.clear()": ("True True", "warning_event"),
    }
    for setup, (enabled, shown) in cases.items():
        code = (
            "import logging, kata_oci; from kata_oci.log import log;"
            f"{setup};"
            "print(log.enabled('warning'), log.enabled('error'));"
            "log.warning('warning_event'); log.error('error_event')"
        )
        result = _run(code)
        assert result.stdout.strip() == enabled, setup
        assert (shown in result.stderr) if shown else result.stderr == "", (setup, result.stderr)
    # structlog configured by the host (a processor may do anything with the event): always rendered
    code = (
        "import structlog, kata_oci; from kata_oci.log import log;"
        "structlog.configure(processors=[lambda _l, _m, ev: print('seen', ev['event']) or ev,"
        " structlog.processors.KeyValueRenderer()]);"
        "print(log.enabled('warning')); log.warning('w')"
    )
    out = _run(code).stdout.split("\n")
    assert out[:2] == ["True", "seen w"]
