"""The ``dmdose`` command: verify orders, or run one calculator.

Exit codes (for pharmacy verification scripts): 0 ok, 1 warn, 2 block, 3 bad input,
4 internal error (a bug: nothing is to be trusted). With several orders the worst
code wins (bad input above block).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from dosing.cli.calc import add_calc_parser
from dosing.cli.common import EXIT_BAD_INPUT, EXIT_INTERNAL_ERROR, configure_output, fail
from dosing.cli.verify import cmd_verify, report
from dosing.units import DoseInputError

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERNAL_ERROR", "build_parser", "main", "report"]


class _Parser(argparse.ArgumentParser):
    # argparse exits 2 on a usage error, which a script would read as "block".
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: bad input: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, got {text!r}") from None
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError(f"expected 1 to 256 processes, got {value}")
    return value


_EPILOG = (
    "`dmdose verify --help`, `dmdose calc --help` and `dmdose calc NAME --help` describe each command. "
    "`dmdose completion bash|zsh|tcsh` prints a tab-completion script (with the optional shtab package)."
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dmdose")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dmdose", description=__doc__.splitlines()[0], epilog=_EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("verify", help="verify orders from a JSON / JSON-lines file ('-' for stdin)")
    v.add_argument("file")
    v.add_argument("--json", action="store_true", help="print the verdict as JSON (one record per line, with its \"line\", for several orders)")
    v.add_argument("--jobs", type=_positive_int, default=1, metavar="N", help="verify on N processes (output stays in input order)")
    v.set_defaults(func=cmd_verify)

    add_calc_parser(sub)
    from dosing.cli.serve import add_parser as add_serve  # the CDS Hooks service (optional extra)

    add_serve(sub)
    from dosing.cli.completion import add_parser as add_completion

    add_completion(sub, build_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except DoseInputError as exc:
        return fail(args, exc)
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early: say so, without calling it a bug.
        sys.stderr.write("dmdose: output closed early; not every result was written\n")
        return EXIT_INTERNAL_ERROR
    except Exception as exc:  # noqa: BLE001 — an uncaught traceback exits 1, which a script reads as "warn"
        print(f"dmdose: internal error, nothing was verified: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL_ERROR

