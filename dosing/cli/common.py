"""What every dmdose command shares: exit codes and how a refusal is printed."""

from __future__ import annotations

import argparse
import json
import sys

from dosing.units import DoseInputError

EXIT_BAD_INPUT = 3
EXIT_INTERNAL_ERROR = 4


def error_record(exc: DoseInputError) -> dict:
    return {"parameter": exc.parameter, "problem": exc.problem}


def fail(args: argparse.Namespace, exc: DoseInputError) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": error_record(exc)}))
    print(f"dmdose: bad input: {exc}", file=sys.stderr)
    return EXIT_BAD_INPUT
