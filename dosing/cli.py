"""The ``dmdose`` command: verify orders, or run one calculator.

Exit codes (for pharmacy verification scripts): 0 ok, 1 warn, 2 block, 3 bad input,
4 internal error (a bug: nothing is to be trusted). With several orders the worst
code wins (bad input above block).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from dosing import body
from dosing.api import verify
from dosing.inputs import optional_iso_date, record
from dosing.patient import Patient, dosing_creatinine_clearance
from dosing.serialize import jsonable
from dosing.units import DoseInputError, fmt
from dosing.verdict import Verdict, status_of

EXIT_BAD_INPUT = 3
EXIT_INTERNAL_ERROR = 4


# ---------------------------------------------------------------- verify


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


def _error_record(exc: DoseInputError) -> dict:
    return {"parameter": exc.parameter, "problem": exc.problem}


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
                record = {"error": _error_record(exc)}
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


def _fail(args: argparse.Namespace, exc: Exception) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": _error_record(exc)}))
    print(f"dmdose: bad input: {exc}", file=sys.stderr)
    return EXIT_BAD_INPUT


# ---------------------------------------------------------------- calc


def _patient(args: argparse.Namespace) -> Patient:
    missing = [f"--{name}" for name in ("weight", "height", "age", "sex") if getattr(args, name) is None]
    if missing:
        # Sex decides ideal body weight and kidney equations, age the adult-only
        # equations and IVIG's rate cap: neither is assumed.
        raise DoseInputError(
            "patient", f"{', '.join(missing)} required: {args.calculator} needs weight, height, age and sex (e.g. --age '54 years' --sex female)"
        )
    return Patient(
        weight=args.weight,
        height=args.height,
        age=args.age,
        sex=args.sex,
        serum_creatinine=args.creatinine,
        conditions=args.condition or (),
        disease_active=not args.inactive_disease,
    )


def _need(args: argparse.Namespace, *names: str) -> None:
    missing = [f"--{name}" for name in names if getattr(args, name) is None]
    if missing:
        raise DoseInputError("patient", f"{', '.join(missing)} required for {args.calculator}")


def _calc_bsa(args):
    _need(args, "weight", "height")
    return {"bsa": body.body_surface_area(args.weight, args.height, args.formula), "formula": args.formula}


def _calc_ibw(args):
    _need(args, "height", "sex")
    ibw = body.ideal_body_weight(args.height, args.sex)
    result = {"ideal_body_weight": ibw}
    if args.weight is not None:
        actual = body.weight_kg(args.weight)
        # Adjusted weight corrects for excess weight; at or below IBW it does not apply.
        result["adjusted_body_weight"] = (
            body.adjusted_body_weight(actual, ibw) if actual > ibw else "not applicable: actual weight is not above IBW"
        )
    return result


def _calc_kidney(args):
    patient = _patient(args)
    return {
        "creatinine_clearance": patient.creatinine_clearance(args.basis),
        # What methotrexate's renal rule uses: adjusted weight above 120 % of IBW.
        "creatinine_clearance_for_dosing": dosing_creatinine_clearance(patient),
        "egfr_ckd_epi_2021": patient.egfr(),
    }


def _calc_ivig(args):
    from dosing.ivig import calculate_ivig

    options = {"days": args.days, "start_date": optional_iso_date(args.start_date), "weight_basis": args.weight_basis}
    if args.dose_per_kg:
        options["dose_per_kg"] = args.dose_per_kg
    return calculate_ivig(_patient(args), **options)


def _calc_methotrexate(args):
    from dosing.methotrexate import calculate_methotrexate

    # A dose option of the other mode would be silently ignored: refuse the mix.
    if args.mode == "bsa" and args.fixed_dose:
        raise DoseInputError("fixed_dose", "--fixed-dose is for --mode fixed; with --mode bsa give --dose-per-m2")
    if args.mode == "fixed" and args.dose_per_m2:
        raise DoseInputError("dose_per_m2", "--dose-per-m2 is for --mode bsa; with --mode fixed give --fixed-dose")
    options = {"route": args.route, "split": args.split, "override_reason": args.override_reason, "bsa_formula": args.formula}
    if args.mode:
        options["mode"] = args.mode
    elif args.fixed_dose or args.dose_per_m2:
        options["mode"] = "fixed" if args.fixed_dose else "bsa"
    if args.dose_per_m2:
        options["dose_per_m2"] = args.dose_per_m2
    if args.fixed_dose:
        options["fixed_dose"] = args.fixed_dose
    return calculate_methotrexate(_patient(args), **options)


def _calc_rituximab(args):
    from dosing.rituximab import calculate_rituximab

    if args.start_date is None:
        raise DoseInputError("start_date", "--start-date is required for a dated rituximab schedule")
    options = {"bsa_formula": args.formula}
    if args.regimen:
        options["regimen"] = args.regimen
    return calculate_rituximab(_patient(args), start_date=optional_iso_date(args.start_date), **options)


def _calc_mycophenolate(args):
    from dosing.mycophenolate import calculate_mycophenolate

    return calculate_mycophenolate(_patient(args), dose_per_administration=args.dose)


def _calc_hcq(args):
    from dosing.hydroxychloroquine import calculate_hydroxychloroquine

    return calculate_hydroxychloroquine(_patient(args), daily_dose=args.daily_dose or "400 mg")


def _calc_prednisone(args):
    from dosing.steroids import assess_prednisone

    return assess_prednisone(_patient(args), args.daily_dose or "5 mg")


def _calc_monitoring(args):
    from dosing.monitoring import monitoring_plan

    if not args.drug:
        raise DoseInputError("drug", "name at least one --drug, e.g. --drug methotrexate --drug ivig")
    return monitoring_plan(args.drug, _patient(args))


def _print_result(data, as_json: bool) -> None:
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_tree(data, 0)


def _print_tree(data, indent: int) -> None:
    pad = "  " * indent
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)) and value:
                print(f"{pad}{key}:")
                _print_tree(value, indent + 1)
            else:
                print(f"{pad}{key}: {value if value not in ([], {}) else '-'}")
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, (dict, list)):
                print(f"{pad}-")
                _print_tree(item, indent + 1)
            else:
                print(f"{pad}- {item}")
    else:
        print(f"{pad}{data}")


# The drug each dose calculator is for: its patient's contraindications are
# checked too, so `calc` never prints a dose that `verify` would block unannounced.
CALCULATOR_DRUGS = {
    "ivig": "ivig",
    "methotrexate": "methotrexate",
    "rituximab": "rituximab",
    "mycophenolate": "mycophenolate mofetil",
    "hydroxychloroquine": "hydroxychloroquine",
    "prednisone": "prednisone",
}

CALCULATORS: dict[str, Callable] = {
    "bsa": _calc_bsa,
    "ibw": _calc_ibw,
    "kidney": _calc_kidney,
    "ivig": _calc_ivig,
    "methotrexate": _calc_methotrexate,
    "rituximab": _calc_rituximab,
    "mycophenolate": _calc_mycophenolate,
    "hydroxychloroquine": _calc_hcq,
    "prednisone": _calc_prednisone,
    "monitoring": _calc_monitoring,
}
ALIASES = {"mtx": "methotrexate", "hcq": "hydroxychloroquine", "mmf": "mycophenolate", "crcl": "kidney", "egfr": "kidney"}


def cmd_calc(args: argparse.Namespace) -> int:
    """Print the calculation; exit like verify (0 ok, 1 warn, 2 block) by its findings."""
    import interactions

    name = ALIASES.get(args.calculator, args.calculator)
    try:
        result = CALCULATORS[name](args)
        rules = interactions.check(CALCULATOR_DRUGS[name], _patient(args)).findings if name in CALCULATOR_DRUGS else ()
    except DoseInputError as exc:
        return _fail(args, exc)
    findings = (*getattr(result, "findings", ()), *rules)
    data = jsonable(result)
    if isinstance(data, dict) and name in CALCULATOR_DRUGS:
        data["patient_rule_findings"] = jsonable(list(rules))
        data["status"] = status_of(findings).value
    _print_result(data, args.json)
    return status_of(findings).exit_code


# ---------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    # argparse exits 2 on a usage error, which a script would read as "block".
    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: bad input: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dmdose", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("verify", help="verify orders from a JSON / JSON-lines file ('-' for stdin)")
    v.add_argument("file")
    v.add_argument("--json", action="store_true", help="print the verdict as JSON")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DoseInputError as exc:
        return _fail(args, exc)
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early: say so, without calling it a bug.
        sys.stderr.write("dmdose: output closed early; not every result was written\n")
        return EXIT_INTERNAL_ERROR
    except Exception as exc:  # noqa: BLE001 — an uncaught traceback exits 1, which a script reads as "warn"
        print(f"dmdose: internal error, nothing was verified: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
