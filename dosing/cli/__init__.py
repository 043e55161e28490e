"""The ``dmdose`` command: verify orders, or run one calculator.

Exit codes (for pharmacy verification scripts): 0 ok, 1 warn, 2 block, 3 bad input,
4 internal error (a bug: nothing is to be trusted). With several orders the worst
code wins (bad input above block).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dosing.cli.calc import ALIASES, CALCULATORS, cmd_calc
from dosing.cli.common import EXIT_BAD_INPUT, EXIT_INTERNAL_ERROR, configure_output, fail
from dosing.cli.verify import cmd_verify, report
from dosing.units import DoseInputError

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERNAL_ERROR", "build_parser", "main", "report"]


class _Parser(argparse.ArgumentParser):
    # argparse exits 2 on a usage error, which a script would read as "block".
    def error(self, message: str):
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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dmdose", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("verify", help="verify orders from a JSON / JSON-lines file ('-' for stdin)")
    v.add_argument("file")
    v.add_argument("--json", action="store_true", help="print the verdict as JSON (one record per line, with its \"line\", for several orders)")
    v.add_argument("--jobs", type=_positive_int, default=1, metavar="N", help="verify on N processes (output stays in input order)")
    v.set_defaults(func=cmd_verify)

    c = sub.add_parser("calc", help="run one calculator")
    c.add_argument("calculator", choices=sorted(set(CALCULATORS) | set(ALIASES)))
    c.add_argument("--json", action="store_true")
    patient = c.add_argument_group("patient")
    patient.add_argument("--weight", help='e.g. "70 kg" or "154 lb"')
    patient.add_argument("--height", help='e.g. "165 cm" or "5 ft 5 in"')
    patient.add_argument("--age", help='e.g. "54 years"')
    patient.add_argument("--sex", help="female or male")
    patient.add_argument("--creatinine", help='serum creatinine, e.g. "0.9 mg/dL" or "80 umol/L"')
    patient.add_argument("--condition", action="append", help="patient condition (repeatable), e.g. pregnancy")
    patient.add_argument("--inactive-disease", action="store_true", help="disease is not active")
    options = c.add_argument_group("calculator options")
    options.add_argument("--formula", default="mosteller", help="BSA formula (bsa, methotrexate, rituximab): mosteller, dubois, haycock, gehan-george, boyd")
    options.add_argument("--basis", default="actual", help="CrCl weight: actual, ideal, adjusted")
    options.add_argument("--days", type=int, default=2, help="IVIG: days per course (2-5)")
    options.add_argument("--dose-per-kg", help='IVIG: course dose, e.g. "2 g/kg"')
    options.add_argument("--weight-basis", help="IVIG: force actual, ideal or adjusted dosing weight")
    options.add_argument(
        "--weight-policy", default="label", help="IVIG: label (2 g/kg of actual weight, the default) or adjusted (NBA/Lifeblood stewardship)"
    )
    options.add_argument("--start-date", help="first dose date, YYYY-MM-DD")
    options.add_argument("--mode", help="methotrexate: bsa (15-20 mg/m2, the default) or fixed (15-25 mg)")
    options.add_argument("--route", default="oral", help="methotrexate: oral or subcutaneous")
    options.add_argument("--split", action="store_true", help="methotrexate: split the weekly dose morning/evening")
    options.add_argument("--dose-per-m2", help='methotrexate: e.g. "15 mg/m2"')
    options.add_argument("--fixed-dose", help='methotrexate: e.g. "20 mg"')
    options.add_argument("--override-reason", help="methotrexate: reason for a dose above 25 mg/week")
    options.add_argument("--regimen", help="rituximab: bsa-weekly-x4 (375 mg/m² weekly ×4, the default) or fixed-days-1-15")
    options.add_argument("--dose", default="1000 mg", help="mycophenolate mofetil per administration (BID)")
    options.add_argument("--daily-dose", help='hydroxychloroquine (default "400 mg") or prednisone (default "5 mg") per day')
    options.add_argument("--drug", action="append", help="monitoring: a drug of the regimen (repeatable)")
    c.set_defaults(func=cmd_calc)
    from dosing.cli.serve import add_parser as add_serve  # the CDS Hooks service (optional extra)

    add_serve(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DoseInputError as exc:
        return fail(args, exc)
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early: say so, without calling it a bug.
        sys.stderr.write("dmdose: output closed early; not every result was written\n")
        return EXIT_INTERNAL_ERROR
    except Exception as exc:  # noqa: BLE001 — an uncaught traceback exits 1, which a script reads as "warn"
        print(f"dmdose: internal error, nothing was verified: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL_ERROR

