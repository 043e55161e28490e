"""``dmdose serve``: the CDS Hooks service on uvicorn (needs the optional ``service`` extra)."""

from __future__ import annotations

import argparse
import sys
from typing import TypeVar

from dosing.cli.common import EXIT_BAD_INPUT


_P = TypeVar("_P", bound=argparse.ArgumentParser)  # the parser class of the subcommands


def add_parser(sub: argparse._SubParsersAction[_P]) -> None:
    s = sub.add_parser("serve", help="run the CDS Hooks service (GET /cds-services)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: loopback only)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--audit-log", metavar="PATH", help="append-only JSON-lines file for card feedback (overrides)")
    s.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from dosing.service import create_app
    except ImportError as exc:
        print(f"dmdose serve needs the service extra (pip install 'dmdose[service]'): {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not 0 < args.port < 65536:
        print(f"dmdose serve: bad input: port {args.port} is not 1-65535", file=sys.stderr)
        return EXIT_BAD_INPUT
    app = create_app(args.audit_log)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0
