"""The ``kata-oci`` command: convert, resolve and check OCI bundles as a Kata runtime would.

One module per subcommand (``convert``, ``resolve``, ``check``,
``annotations``, ``features``, ``plugins``, ``webhook``), each with ``HELP``, ``EXAMPLE``,
``add_arguments(parser)`` and ``run(args) -> exit status``; ``output`` is
what they all write through (escaping every untrusted string), ``common``
what they all read. Only the module of the subcommand being run is imported,
since the command runs in scripts and per-pod hooks where start-up time counts.
"""

from __future__ import annotations

import os
import sys

from .common import EXIT_OK, EXIT_REJECTED, EXIT_STATUS_HELP, EXIT_UNUSABLE, Failure

# Nothing here imports argparse or typing until a parser is built: `kata-oci resolve`'s
# fast path (kata_oci.cli.fastresolve) answers without either (~3 ms of start-up).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any, NoReturn

__all__ = ["COMMANDS", "EXIT_OK", "EXIT_REJECTED", "EXIT_UNUSABLE", "main", "run"]

# name -> one-line summary for `kata-oci --help` (each module has its full description).
COMMANDS = {
    "convert": "the SandboxConfig (or ContainerConfig) Kata would boot from a bundle",
    "resolve": "container type, sandbox ID, pod identity and sizing, and which CRI plugin answered",
    "check": "what each io.katacontainers. annotation does: applied, rejected, ignored, unknown",
    "annotations": "every supported annotation and whether the configuration enables it",
    "features": "the OCI runtime-spec features document",
    "plugins": "the registered plugins: distribution, version, CRI keys and hooks",
    "webhook": "the validating admission webhook (HTTPS), or one AdmissionReview answered (--review)",
}
GLOBAL_FLAGS = {"--debug": "debug", "-v": "verbose", "--verbose": "verbose"}


def _formatter() -> type[argparse.HelpFormatter]:
    """argparse's formatter without its ``import shutil`` (~2 ms) for the terminal width."""
    import argparse

    class _Formatter(argparse.RawDescriptionHelpFormatter):
        def __init__(
            self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
        ):
            if width is None:
                try:
                    width = int(os.environ["COLUMNS"])
                except (KeyError, ValueError):
                    try:
                        width = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
                    except (AttributeError, ValueError, OSError):
                        width = 80
                width -= 2
            super().__init__(prog, indent_increment, max_help_position, width)

    return _Formatter


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--debug and -v, accepted before or after the subcommand."""
    import argparse

    default = False if top else argparse.SUPPRESS  # a subcommand's parser keeps what the top one saw
    group = parser.add_argument_group("global options (anywhere on the line)")
    group.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks on errors, and debug logs"
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="log warnings (unknown annotations, conflicts) to stderr",
    )


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; with ``only``, just that subcommand's (building all costs ~2 ms)."""
    import argparse
    import importlib

    _Formatter = _formatter()
    parser = argparse.ArgumentParser(
        prog="kata-oci",
        description="Convert, resolve and check OCI bundles as a Kata Containers runtime would.",
        formatter_class=_Formatter,
        epilog="Run 'kata-oci COMMAND --help' for a command's options and an example.\n\n" + EXIT_STATUS_HELP,
    )
    _global_options(parser, top=True)
    parser.add_argument(
        "--version", action="store_true", help="show kata-oci's, its profiles' and its plugins' versions"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=summary, formatter_class=_Formatter)  # listed, not built
            continue
        module: Any = importlib.import_module(f".{name}", __name__) if only is not None else None
        if module is None:
            sub.add_parser(name, help=summary, formatter_class=_Formatter)
            continue
        epilog = f"example:\n  {module.EXAMPLE}"
        if module.EPILOG:
            epilog += "\n\n" + module.EPILOG
        epilog += "\n\n" + EXIT_STATUS_HELP
        p = sub.add_parser(
            name, help=summary, description=module.HELP, formatter_class=_Formatter, epilog=epilog
        )
        module.add_arguments(p)
        _global_options(p, top=False)
        p.set_defaults(func=module.run)
    return parser


def _command_word(words: list[str]) -> str | None:
    """The subcommand named on the line (global options take no value, so it is the first word)."""
    for word in words:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
        if word in ("-h", "--help"):
            return None
    return None


def _prepare_streams() -> None:
    """A terminal that cannot show a character gets an escape, not a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - a stream already in use
                pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status (argparse's usage errors raise SystemExit(2))."""
    _prepare_streams()
    words = list(sys.argv[1:] if argv is None else argv)
    if "--version" in words[: words.index("--") if "--" in words else None]:
        from .version import show_version

        return show_version(json="--json" in words)
    if words[:1] == ["resolve"]:
        # The common question, answered without msgspec, pluggy or argparse when the answer
        # would be the same (a warm plugin snapshot, options it knows); else the full path.
        from .fastresolve import run as run_fast

        fast = run_fast(words[1:])
        if fast is not None:
            return fast
    args = None
    if words[:1] == ["convert"]:  # a plain line is read without argparse (its import, the parser)
        from .convert import simple_args

        args = simple_args(words[1:])
    if args is None:
        args = _parser(_command_word(words)).parse_args(words)
    if getattr(args, "func", None) is None:  # pragma: no cover - argparse requires a command
        _parser().print_help()
        return EXIT_UNUSABLE
    # The command is an application: it decides what the library's log shows.
    from kata_oci import log

    handler = _StderrLog(debug=args.debug) if (args.debug or args.verbose) else None
    previous_level = log.set_level("error") if handler is None else None
    try:
        status: int = args.func(args)
        return status
    except Failure as exc:
        return _error(args, exc, exc.status)
    except Exception as exc:
        from kata_oci.errors import AnnotationError, KataOCIError
        from kata_oci.pod import CRIConflictError

        if isinstance(exc, AnnotationError | CRIConflictError):  # a verdict, not unusable input
            return _error(args, exc, EXIT_REJECTED)
        if isinstance(exc, KataOCIError | OSError | UnicodeError):
            return _error(args, exc, EXIT_UNUSABLE)
        raise
    finally:
        # main() may run inside a larger program (and tests): leave its logging as it was.
        if handler is None:
            log.set_level(previous_level)
        else:
            handler.close_out()


class _StderrLog:
    """The handler -v/--debug attach to the library's logger (the library itself only has a NullHandler)."""

    def __init__(self, *, debug: bool) -> None:
        import logging

        from kata_oci import log

        self.logger = logging.getLogger(log.LOGGER_NAME)
        self.level = self.logger.level
        self.handler = logging.StreamHandler(sys.stderr)
        self.handler.setFormatter(logging.Formatter("%(message)s"))
        self.logger.addHandler(self.handler)
        if debug or self.logger.getEffectiveLevel() > logging.WARNING:
            self.logger.setLevel(logging.DEBUG if debug else logging.WARNING)

    def close_out(self) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.level)


def _error(args: argparse.Namespace, exc: BaseException, status: int) -> int:
    from .output import error_line, error_text

    if getattr(args, "debug", False):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    error_line(error_text(exc))
    return status


def run() -> NoReturn:
    """Console-script entry point.

    The command is short-lived, so after flushing its output it leaves with
    ``os._exit``, skipping the interpreter's teardown (module clean-up costs
    ~5 ms, an eighth of a ``resolve``). Nothing of kata-oci's needs atexit.
    """
    try:
        status = main()
    except SystemExit as exc:  # argparse's errors and --help
        if exc.code is None or isinstance(exc.code, int):
            status = exc.code or 0
        else:
            sys.stderr.write(f"{exc.code}\n")
            status = EXIT_UNUSABLE
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):  # e.g. piped into head: not an error of ours
        pass
    try:
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(status)
