"""The ``sce`` command. Each subcommand lives in its own module under ``commands/`` with
``add_parser`` and ``run`` and is discovered automatically; heavy imports stay inside ``run`` so
that ``sce --help`` is instant."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn, TextIO

from . import commands
from .exceptions import CommandError

__all__ = ["CommandError", "build_parser", "main", "run"]


class _Version(argparse.Action):
    """--version, looked up only when asked for (importlib.metadata slows every command's start)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit", default=argparse.SUPPRESS)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from . import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sce", description="Syria Conflict Events: validate, build and load the data package."
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on bad usage, as argparse does
    try:
        return int(args._run(args) or 0)
    except CommandError as exc:
        print(f"sce {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _flush(stream: TextIO) -> None:
    # a closed pipe or stream: nothing more can reach the reader
    with contextlib.suppress(OSError, ValueError):
        stream.flush()


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The console entry point (``sce``, ``python -m syria_conflict_events``): :func:`main`, then
    leave without the interpreter's finalisation.

    Arrow's and DuckDB's native thread pools can abort that finalisation after every byte is
    written (``terminate called without an active exception``, exit -6: apache/arrow#34314), which
    turned a correct "validation failed" (exit 1) into a crash. By the time ``main`` returns the
    command's work and its cleanup (``finally`` blocks, context managers) are done, so what
    finalisation would still do is joined or flushed here, and the process exits with the
    command's own code."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's --help, --version and usage errors
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    for thread in threading.enumerate():  # as the interpreter would: non-daemon threads finish
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    _flush(sys.stdout)
    _flush(sys.stderr)
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
