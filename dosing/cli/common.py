"""What every dmdose command shares: exit codes, how a refusal is printed, and a safe output encoding."""

from __future__ import annotations

import argparse
import codecs
import json
import sys
from typing import TextIO

from dosing.units import DoseInputError

EXIT_BAD_INPUT = 3
EXIT_INTERNAL_ERROR = 4


def error_record(exc: DoseInputError) -> dict[str, str]:
    return {"parameter": exc.parameter, "problem": exc.problem}


def fail(args: argparse.Namespace, exc: DoseInputError) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": error_record(exc)}, ensure_ascii=ascii_json()))
    print(f"dmdose: bad input: {exc}", file=sys.stderr)
    return EXIT_BAD_INPUT


# --- output encoding ----------------------------------------------------------------------
#
# Redirected output on Windows is cp1252, and a C/POSIX locale may be ASCII. A strict
# encoder there turns one "≥" in a finding into an exit 4 with nothing printed; the
# default "replace" would print "?" where a dose unit was ("50 ?g"). Policy:
# - JSON is written with \\u escapes (ensure_ascii) when stdout is not UTF-8: lossless.
# - Text keeps every character the encoding has (cp1252 has µ, ², ×, ±), and spells
#   the others in ASCII a pharmacist reads the same way: µg → "mcg" (ISMP's
#   List of Error-Prone Abbreviations: write mcg, never µg or ug), ≥ → ">=",
#   m² → "m2", × → "x". Anything else is shown as a visible \\uXXXX escape: never
#   dropped, never a "?".

_ASCII = {
    "×": "x", "²": "2", "³": "3", "–": "-", "—": "-", "‑": "-", "‐": "-", "−": "-", "→": "->", "←": "<-",
    "≥": ">=", "≤": "<=", "≈": "~", "±": "+/-", "÷": "/", "·": ".", "…": "...", "§": "section ",
    "‘": "'", "’": "'", "“": '"', "”": '"', "½": "1/2", "¼": "1/4", "¾": "3/4", "°": " deg",
    "α": "alpha", "β": "beta", "κ": "kappa", "ν": "nu", "®": "(R)", "™": "(TM)", "é": "e", "ö": "o",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}
_MICRO = ("µ", "μ")
HANDLER = "dmdose-transliterate"


def _transliterate(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text, parts = error.object, []
    for index in range(error.start, error.end):
        char = text[index]
        if char in _MICRO:
            # µg → mcg (ISMP); µmol → umol, where no mcg spelling exists.
            parts.append("mc" if text[index + 1:index + 2] == "g" else "u")
        elif char in _ASCII:
            parts.append(_ASCII[char])
        else:
            parts.append(char.encode("ascii", "backslashreplace").decode("ascii"))
    return "".join(parts), error.end


codecs.register_error(HANDLER, _transliterate)


def _is_unicode(stream: TextIO) -> bool:
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name.startswith("utf")
    except LookupError:
        return False


def ascii_json() -> bool:
    """JSON output escapes non-ASCII characters when stdout cannot encode them all."""
    return not _is_unicode(sys.stdout)


def configure_output() -> None:
    """Make stdout and stderr safe for any encoding (see the policy above)."""
    for stream in (sys.stdout, sys.stderr):
        if not _is_unicode(stream) and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors=HANDLER)
            except (ValueError, OSError):  # a detached or closed stream: leave it alone
                pass
