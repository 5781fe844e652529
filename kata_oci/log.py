"""Logging for kata-oci, through structlog, without configuring anything.

The library never configures logging and never writes to stdout (a shim's
stdout may be a protocol channel). By default its events go through
structlog's processors, whatever the application configured (or structlog's
defaults), to the stdlib ``logging`` logger named ``kata_oci``, which has a
:class:`logging.NullHandler`: a host program that configures no logging sees
nothing (Python's last-resort handler would print every warning to stderr);
one that does (``logging.basicConfig``...) gets the events through its
handlers. The handler is added when :mod:`logging` is first needed (at once
if it is already imported), so that importing kata-oci stays cheap.
Every event carries ``source="virtcontainers"`` and ``subsystem="oci"``, as
Kata's Go logger does, and snake_case event names with bound fields::

    log.warning("env_var_skipped", entry="FOO", reason="no '='")

:func:`set_logger` hands events to a caller's structlog logger instead (the
two fields are bound onto it). structlog and stdlib ``logging`` are imported
only when an event is emitted, since importing them costs tens of
milliseconds on a command's start-up.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["LOGGER_NAME", "log", "set_level", "set_logger"]

LOGGER_NAME = "kata_oci"
_FIELDS = {"source": "virtcontainers", "subsystem": "oci"}
# stdlib logging's numeric levels, without importing logging.
_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}

_default: Any = None  # structlog proxy over the stdlib logger, made on first use
_custom: Any = None  # the caller's logger, set by set_logger
_floor: int | None = None  # events below this level are dropped before anything is imported


def set_logger(logger: Any = None) -> None:
    """Send kata-oci's events to ``logger`` (Go's ``oci.SetLogger``).

    ``logger`` is a structlog bound logger (anything with ``bind``) or a stdlib
    :class:`logging.Logger`; the fields ``source`` and ``subsystem`` are bound
    onto it. ``None`` restores the default (stdlib logger ``kata_oci``).
    """
    global _custom
    if logger is None:
        _custom = None
        return
    import logging

    if isinstance(logger, logging.Logger):
        import structlog

        logger = structlog.wrap_logger(logger, wrapper_class=structlog.stdlib.BoundLogger)
    _custom = logger.bind(**_FIELDS)


def set_level(level: str | None) -> str | None:
    """Drop events below ``level`` (``"debug"`` ... ``"error"``) before any logging code runs.

    For applications such as the ``kata-oci`` command that want quiet
    start-up; ``None`` leaves the decision to the stdlib logger's level.
    Returns the previous setting, to restore it.
    """
    global _floor
    previous = None if _floor is None else next(k for k, v in _LEVELS.items() if v == _floor)
    _floor = None if level is None else _LEVELS[level]
    return previous


_std: Any = None  # the stdlib logger, fetched on first use


def _stdlib() -> Any:
    global _std
    if _std is None:
        import logging

        logger = logging.getLogger(LOGGER_NAME)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        _std = logger
    return _std


if "logging" in sys.modules:  # already paid for: set the handler up now
    _stdlib()


def _heard(number: int) -> bool:
    """Whether an event at level ``number`` of the stdlib logger may reach anything but a NullHandler.

    False only when structlog was never configured (its default processors
    have no effect but rendering) and every handler the stdlib logger would
    hand the record to is a NullHandler: the event would be rendered (~70 µs
    with structlog's default console renderer) and dropped. With no handler
    at all, Python's last-resort handler writes it, as before.
    """
    if "structlog" in sys.modules and sys.modules["structlog"].is_configured():
        return True
    import logging

    logger: Any = _stdlib()
    found = False
    while logger is not None:
        for handler in logger.handlers:
            if not isinstance(handler, logging.NullHandler) and number >= handler.level:
                return True
            found = True
        if not logger.propagate:
            break
        logger = logger.parent
    last = logging.lastResort
    return not found and last is not None and number >= last.level


def _default_logger() -> Any:
    global _default
    if _default is None:
        import structlog

        # A lazy proxy: it reads structlog's configuration at each call,
        # so an application's configure() (or capture_logs()) applies.
        _default = structlog.wrap_logger(
            _stdlib(),
            wrapper_class=structlog.stdlib.BoundLogger,
            source=_FIELDS["source"],
            subsystem=_FIELDS["subsystem"],
        )
    return _default


class _Log:
    """The library's own logging calls; cheap when the level is disabled."""

    __slots__ = ()

    def _emit(self, level: str, event: str, fields: dict[str, Any]) -> None:
        number = _LEVELS[level]
        if _floor is not None and number < _floor:
            return
        custom = _custom
        if custom is not None:
            getattr(custom, level)(event, **fields)
        elif _stdlib().isEnabledFor(number) and _heard(number):
            getattr(_default_logger(), level)(event, **fields)

    def enabled(self, level: str) -> bool:
        """Whether an event at ``level`` would be emitted (so that its fields are worth computing)."""
        number = _LEVELS[level]
        if _floor is not None and number < _floor:
            return False
        return _custom is not None or bool(_stdlib().isEnabledFor(number) and _heard(number))

    def debug_enabled(self) -> bool:
        """``enabled("debug")`` for the hot paths: a caller skips building a debug event's fields.

        The same answer as :meth:`enabled` (so a guarded call logs exactly when
        an unguarded one would), in one call fewer and without the level look-up.
        """
        if _floor is not None and _floor > 10:
            return False
        if _custom is not None:
            return True
        return (_std if _std is not None else _stdlib()).isEnabledFor(10) and _heard(10)

    def debug(self, event: str, **fields: Any) -> None:
        self._emit("debug", event, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._emit("info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._emit("warning", event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._emit("error", event, fields)


log = _Log()
