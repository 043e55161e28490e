"""``dmdose verify``: orders from a JSON / JSON-lines file, a verdict each."""

from __future__ import annotations

import argparse
import json
import sys

from dosing.api import verify
from dosing.cli.common import EXIT_BAD_INPUT, error_record
from dosing.input.fields import record
from dosing.units import DoseInputError, fmt
from dosing.verdict import Verdict


def _read_requests(path: str) -> list[tuple[int, object]]:
    """(line, request) pairs from one JSON object, a JSON array, or JSON lines.

    In JSON lines each line stands alone: a line that is not JSON becomes a
    DoseInputError for that line, and the other lines are still verified.
    """
    # A byte-order mark (Windows/Excel exports) is not part of the JSON.
    text = (sys.stdin.read() if path == "-" else _read_file(path)).lstrip("\ufeff")
    if not text.strip():
        raise DoseInputError("file", "no orders: the input is empty")
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    try:
        data = _loads(text)
    except (json.JSONDecodeError, DoseInputError) as whole:
        if len(lines) < 2:
            raise whole if isinstance(whole, DoseInputError) else DoseInputError("file", f"not valid JSON: {whole}") from None
        # JSON lines: each line read on its own, its own error if it has one.
        return [(n, _json_line(line)) for n, line in lines]
    if data == []:
        raise DoseInputError("file", "no orders: the JSON array is empty")
    return list(enumerate(data, start=1)) if isinstance(data, list) else [(1, data)]


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    # json keeps the last of a repeated key: a second "current_medications": []
    # would silently drop the Bactrim listed first. Refuse instead.
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise DoseInputError("request", f"repeated field(s) {repeated}: each field may appear once")
    return dict(pairs)


def _loads(text: str) -> object:
    return json.loads(text, object_pairs_hook=_unique_keys)


def _json_line(line: str) -> object:
    try:
        return _loads(line)
    except json.JSONDecodeError as exc:
        return DoseInputError("request", f"not valid JSON: {exc}")
    except DoseInputError as exc:
        return exc


def _read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise DoseInputError("file", f"cannot read {path}: {exc.strerror}") from None


def _verify_request(request: dict) -> Verdict:
    record(request, "request", ["order", "patient", "current_medications"], required=["order", "patient"])
    return verify(request["order"], request["patient"], request.get("current_medications", []))


def report(verdict: Verdict) -> str:
    """The verdict as a pharmacist reads it."""
    lines = [
        f"ORDER        {verdict.ordered}",
        f"DRUG         {verdict.drug}",
        f"STATUS       {verdict.status.value.upper()}",
        f"RECOMMENDED  {verdict.recommended}",
    ]
    if verdict.recommended_dose is not None:
        lines.append(f"             per administration: {fmt(verdict.recommended_dose)}")
    if verdict.details:
        lines.append("CALCULATION")
        lines += [f"  {key}: {value}" for key, value in verdict.details]
    lines.append("FINDINGS" if verdict.findings else "FINDINGS     none")
    for finding in verdict.findings:
        lines.append(f"  [{finding.severity.value}] {finding.rule_id}")
        lines.append(f"      {finding.message}")
        lines.append(f"      source: {finding.reference}")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    requests = _read_requests(args.file)
    worst = 0
    many = len(requests) > 1
    for number, request in requests:
        try:
            if isinstance(request, DoseInputError):
                raise request
            verdict = _verify_request(request)
        except DoseInputError as exc:
            worst = max(worst, EXIT_BAD_INPUT)
            if args.json:
                record = {"error": error_record(exc)}
                print(json.dumps({"line": number, **record} if many else record))
            else:
                # The report lists every order, the refused ones too.
                print(f"--- order {number}" if many else "", f"BAD INPUT    {exc}", sep="\n" if many else "")
            print(f"dmdose: order {number}: bad input: {exc}", file=sys.stderr)
            continue
        worst = max(worst, verdict.exit_code)
        if args.json:
            print(json.dumps({"line": number, "verdict": verdict.to_dict()}, ensure_ascii=False) if many else verdict.to_json())
        else:
            if many:
                print(f"--- order {number}")
            print(report(verdict))
    return worst


