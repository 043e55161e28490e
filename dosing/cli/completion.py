"""``dmdose completion SHELL``: print a tab-completion script for bash, zsh or tcsh.

argparse has no completion of its own. shtab writes the script from the parser itself, so
commands, calculators and options never drift from what ``dmdose`` accepts. It is an optional
package: without it ``dmdose`` works as before and this command says how to get it.

    dmdose completion bash > ~/.local/share/bash-completion/completions/dmdose
    dmdose completion zsh > ~/.zfunc/_dmdose      # a directory on $fpath
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import TypeVar

from dosing.cli.common import EXIT_BAD_INPUT

# The shells every shtab release since 1.x writes for.
SHELLS = ("bash", "zsh", "tcsh")
# Arguments that name a file: completed with file names.
FILE_ARGUMENTS = frozenset({"file", "audit_log"})

_P = TypeVar("_P", bound=argparse.ArgumentParser)  # the parser class of the subcommands


def add_parser(sub: argparse._SubParsersAction[_P], root: Callable[[], argparse.ArgumentParser]) -> None:
    """The ``completion`` subcommand; ``root`` builds the whole ``dmdose`` parser that the script describes."""
    c = sub.add_parser(
        "completion",
        help="print a shell completion script (needs shtab: pip install shtab)",
        description="Print a tab-completion script for SHELL on stdout; it needs the shtab package (pip install shtab).",
        epilog="e.g. dmdose completion bash > ~/.local/share/bash-completion/completions/dmdose",
    )
    c.add_argument("shell", choices=SHELLS)
    c.set_defaults(func=lambda args: cmd_completion(args, root))


def cmd_completion(args: argparse.Namespace, root: Callable[[], argparse.ArgumentParser]) -> int:
    try:
        # Imported by name: shtab is optional, and the type checker must not require it.
        shtab = importlib.import_module("shtab")
    except ImportError:
        print("dmdose completion needs the shtab package: pip install shtab", file=sys.stderr)
        return EXIT_BAD_INPUT
    parser = root()
    _mark_files(parser, shtab.FILE)
    print(shtab.complete(parser, shell=args.shell))
    return 0


def _mark_files(parser: argparse.ArgumentParser, file_completion: object) -> None:
    """Tell shtab which arguments are file names (it reads an action's ``complete`` attribute)."""
    for action in parser._actions:
        if action.dest in FILE_ARGUMENTS:
            setattr(action, "complete", file_completion)  # noqa: B010 — an attribute argparse does not declare
        if isinstance(action, argparse._SubParsersAction):
            for subparser in dict.fromkeys(action.choices.values()):
                _mark_files(subparser, file_completion)
