"""``dmdose calc``: one calculator, with the patient's contraindications for its drug.

Each calculator is its own subcommand (``dmdose calc ivig --help`` lists IVIG's options
only, with examples). Every subcommand accepts the same patient options, so one patient
line works for every calculator; the ones a calculator does not use are hidden from its
help. The text output is a report laid out like ``verify``'s; ``--json`` is for scripts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import json
import math
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pint

from dosing import body
from dosing.cli.common import fail
from dosing.input.fields import iso_date, optional_iso_date
from dosing.patient import Patient, dosing_creatinine_clearance
from dosing.serialize import jsonable
from dosing.units import DoseInputError, unit_text
from dosing.verdict import status_of

if TYPE_CHECKING:
    from dosing.body import CreatinineClearance
    from dosing.drugs.cyclosporine import CyclosporinePlan
    from dosing.drugs.hydroxychloroquine import HcqPlan
    from dosing.drugs.ivig import IvigPlan
    from dosing.drugs.methotrexate import MethotrexatePlan
    from dosing.drugs.mycophenolate import MycophenolatePlan
    from dosing.drugs.rituximab import RituximabPlan
    from dosing.drugs.steroids import PrednisoneAssessment
    from dosing.findings import Finding
    from dosing.monitoring import MonitoringPlan
    from dosing.units import Qty


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
        conditions=args.condition or frozenset(),
        disease_active=not args.inactive_disease,
    )


def _need(args: argparse.Namespace, *names: str) -> None:
    missing = [f"--{name}" for name in names if getattr(args, name) is None]
    if missing:
        raise DoseInputError("patient", f"{', '.join(missing)} required for {args.calculator}")


def _calc_bsa(args: argparse.Namespace) -> dict[str, object]:
    _need(args, "weight", "height")
    return {"bsa": body.body_surface_area(args.weight, args.height, args.formula), "formula": args.formula}


def _calc_ibw(args: argparse.Namespace) -> dict[str, Qty | str]:
    _need(args, "height", "sex")
    ibw = body.ideal_body_weight(args.height, args.sex)
    result: dict[str, Qty | str] = {"ideal_body_weight": ibw}
    if args.weight is not None:
        actual = body.weight_kg(args.weight)
        # Adjusted weight corrects for excess weight; at or below IBW it does not apply.
        result["adjusted_body_weight"] = (
            body.adjusted_body_weight(actual, ibw) if actual > ibw else "not applicable: actual weight is not above IBW"
        )
    return result


def _calc_kidney(args: argparse.Namespace) -> dict[str, CreatinineClearance | Qty]:
    patient = _patient(args)
    return {
        "creatinine_clearance": patient.creatinine_clearance(args.basis),
        # What methotrexate's renal rule uses: adjusted weight above 120 % of IBW.
        "creatinine_clearance_for_dosing": dosing_creatinine_clearance(patient),
        "egfr_ckd_epi_2021": patient.egfr(),
    }


def _calc_ivig(args: argparse.Namespace) -> IvigPlan:
    from dosing.drugs.ivig import calculate_ivig

    options: dict[str, Any] = {
        "days": args.days,
        "start_date": optional_iso_date(args.start_date),
        "weight_basis": args.weight_basis,
        "policy": args.weight_policy,
    }
    if args.dose_per_kg:
        options["dose_per_kg"] = args.dose_per_kg
    return calculate_ivig(_patient(args), **options)


def _calc_methotrexate(args: argparse.Namespace) -> MethotrexatePlan:
    from dosing.drugs.methotrexate import calculate_methotrexate

    # A dose option of the other mode would be silently ignored: refuse the mix.
    if args.mode == "bsa" and args.fixed_dose:
        raise DoseInputError("fixed_dose", "--fixed-dose is for --mode fixed; with --mode bsa give --dose-per-m2")
    if args.mode == "fixed" and args.dose_per_m2:
        raise DoseInputError("dose_per_m2", "--dose-per-m2 is for --mode bsa; with --mode fixed give --fixed-dose")
    options: dict[str, Any] = {"route": args.route, "split": args.split, "override_reason": args.override_reason, "bsa_formula": args.formula}
    if args.mode:
        options["mode"] = args.mode
    elif args.fixed_dose or args.dose_per_m2:
        options["mode"] = "fixed" if args.fixed_dose else "bsa"
    if args.dose_per_m2:
        options["dose_per_m2"] = args.dose_per_m2
    if args.fixed_dose:
        options["fixed_dose"] = args.fixed_dose
    return calculate_methotrexate(_patient(args), **options)


def _calc_rituximab(args: argparse.Namespace) -> RituximabPlan:
    from dosing.drugs.rituximab import calculate_rituximab

    if args.start_date is None:
        raise DoseInputError("start_date", "--start-date is required for a dated rituximab schedule")
    options: dict[str, Any] = {"bsa_formula": args.formula}
    if args.regimen:
        options["regimen"] = args.regimen
    return calculate_rituximab(_patient(args), start_date=iso_date(args.start_date), **options)


def _calc_mycophenolate(args: argparse.Namespace) -> MycophenolatePlan:
    from dosing.drugs.mycophenolate import calculate_mycophenolate

    return calculate_mycophenolate(_patient(args), dose_per_administration=args.dose)


def _calc_hcq(args: argparse.Namespace) -> HcqPlan:
    from dosing.drugs.hydroxychloroquine import calculate_hydroxychloroquine

    return calculate_hydroxychloroquine(_patient(args), daily_dose=args.daily_dose or "400 mg")


def _calc_prednisone(args: argparse.Namespace) -> PrednisoneAssessment:
    from dosing.drugs.steroids import assess_prednisone

    return assess_prednisone(_patient(args), args.daily_dose or "5 mg")


def _calc_cyclosporine(args: argparse.Namespace) -> CyclosporinePlan:
    from dosing.drugs.cyclosporine import START_MG_PER_KG_DAY, calculate_cyclosporine

    per_kg = START_MG_PER_KG_DAY if args.mg_per_kg_day is None else _mg_per_kg_day(args.mg_per_kg_day)
    return calculate_cyclosporine(_patient(args), per_kg)


def _mg_per_kg_day(text: str) -> float:
    from dosing.units import quantity

    # Written with its unit like every other dose ("2.5 mg/kg/day"); the calculator takes the number.
    per_kg: float = quantity(text, "mg_per_kg_day", "dose per weight per day", unit="mg/kg/day").magnitude
    return per_kg


def _calc_monitoring(args: argparse.Namespace) -> MonitoringPlan:
    from dosing.monitoring import monitoring_plan

    if not args.drug:
        raise DoseInputError("drug", "name at least one --drug, e.g. --drug methotrexate --drug ivig")
    return monitoring_plan(args.drug, _patient(args))


_P = TypeVar("_P", bound=argparse.ArgumentParser)  # the parser class of the subcommands

# --- the subcommands ----------------------------------------------------------------------------

# Patient options, in the order a chart gives them. Every calculator accepts all of them.
PATIENT_OPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "weight": ("--weight", {"help": 'e.g. "70 kg" or "154 lb"'}),
    "height": ("--height", {"help": 'e.g. "165 cm" or "5 ft 5 in"'}),
    "age": ("--age", {"help": 'e.g. "54 years"'}),
    "sex": ("--sex", {"help": "female or male"}),
    "creatinine": ("--creatinine", {"help": 'serum creatinine, e.g. "0.9 mg/dL" or "80 umol/L"'}),
    "condition": ("--condition", {"action": "append", "help": "patient condition (repeatable), e.g. pregnancy"}),
    "inactive_disease": ("--inactive-disease", {"action": "store_true", "help": "disease is not active"}),
}
_DOSE_PATIENT = tuple(PATIENT_OPTIONS)

# Calculator options: each subcommand shows only the ones it uses; the others keep these defaults.
OPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "formula": ("--formula", {"default": "mosteller", "help": "BSA formula: mosteller (default), dubois, haycock, gehan-george, boyd"}),
    "basis": ("--basis", {"default": "actual", "help": "weight in Cockcroft-Gault: actual (default), ideal, adjusted"}),
    "days": ("--days", {"type": int, "default": 2, "help": "days per course, 2-5 (default 2)"}),
    "dose_per_kg": ("--dose-per-kg", {"help": 'course dose, e.g. "2 g/kg" (the default)'}),
    "weight_basis": ("--weight-basis", {"help": "force the dosing weight: actual, ideal or adjusted"}),
    "weight_policy": (
        "--weight-policy",
        {"default": "label", "help": "label (2 g/kg of actual weight, the default) or adjusted (NBA/Lifeblood stewardship)"},
    ),
    "start_date": ("--start-date", {"help": "first dose date, YYYY-MM-DD"}),
    "mode": ("--mode", {"help": "bsa (15-20 mg/m2, the default) or fixed (15-25 mg)"}),
    "route": ("--route", {"default": "oral", "help": "oral (default) or subcutaneous"}),
    "split": ("--split", {"action": "store_true", "help": "split the weekly dose morning/evening"}),
    "dose_per_m2": ("--dose-per-m2", {"help": 'weekly dose per BSA, e.g. "15 mg/m2"'}),
    "fixed_dose": ("--fixed-dose", {"help": 'weekly dose, e.g. "20 mg"'}),
    "override_reason": ("--override-reason", {"help": "the prescriber's reason for a dose above 25 mg/week"}),
    "regimen": ("--regimen", {"help": "bsa-weekly-x4 (375 mg/m2 weekly x4, the default) or fixed-days-1-15"}),
    "dose": ("--dose", {"default": "1000 mg", "help": 'mycophenolate mofetil per administration, twice daily (default "1000 mg")'}),
    "hcq_daily_dose": ("--daily-dose", {"dest": "daily_dose", "help": 'daily dose (default "400 mg")'}),
    "pred_daily_dose": ("--daily-dose", {"dest": "daily_dose", "help": 'daily dose (default "5 mg")'}),
    "mg_per_kg_day": ("--mg-per-kg-day", {"help": 'starting dose, e.g. "2.5 mg/kg/day" (the default)'}),
    "drug": ("--drug", {"action": "append", "help": "a drug of the regimen (repeatable)"}),
}


@attrs.frozen
class Calculator:
    """One ``dmdose calc`` subcommand: what it runs, which options it shows, and examples."""

    name: str
    run: Callable[[argparse.Namespace], Any]
    summary: str
    examples: tuple[str, ...]
    patient: tuple[str, ...] = _DOSE_PATIENT
    options: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # The drug whose patient contraindications are checked too, so `calc` never prints a dose
    # that `verify` would block unannounced.
    drug: str | None = None


_BODY = "--weight '70 kg' --height '165 cm' --age '54 years' --sex female"

_CALCULATORS: tuple[Calculator, ...] = (
    Calculator("bsa", _calc_bsa, "body surface area", ("dmdose calc bsa --weight '70 kg' --height '170 cm' --formula dubois",),
               patient=("weight", "height"), options=("formula",)),
    Calculator("ibw", _calc_ibw, "ideal (Devine) and adjusted body weight",
               ("dmdose calc ibw --height '5 ft 5 in' --sex female --weight '154 lb'",), patient=("weight", "height", "sex")),
    Calculator("kidney", _calc_kidney, "creatinine clearance (Cockcroft-Gault) and eGFR (CKD-EPI 2021)",
               (f"dmdose calc kidney {_BODY} --creatinine '0.9 mg/dL'", f"dmdose calc crcl {_BODY} --creatinine '80 umol/L' --basis adjusted"),
               patient=("weight", "height", "age", "sex", "creatinine"), options=("basis",), aliases=("crcl", "egfr")),
    Calculator("ivig", _calc_ivig, "IVIG course (Octagam 10%): dose, vials, infusion ramp, dates",
               (f"dmdose calc ivig {_BODY} --start-date 2026-12-01", "dmdose calc ivig --weight '150 lb' --height '5 ft 5 in' --age '54 years' --sex f --weight-policy adjusted --days 5"),
               options=("days", "dose_per_kg", "weight_basis", "weight_policy", "start_date"), drug="ivig"),
    Calculator("methotrexate", _calc_methotrexate, "weekly methotrexate with folic acid",
               (f"dmdose calc methotrexate {_BODY} --creatinine '0.9 mg/dL' --dose-per-m2 '15 mg/m2'",
                f"dmdose calc mtx {_BODY} --creatinine '0.9 mg/dL' --fixed-dose '20 mg' --route subcutaneous"),
               options=("mode", "dose_per_m2", "fixed_dose", "route", "split", "override_reason", "formula"), aliases=("mtx",), drug="methotrexate"),
    Calculator("rituximab", _calc_rituximab, "rituximab course: dose, vials, dated schedule, premedication",
               (f"dmdose calc rituximab {_BODY} --start-date 2026-12-01", f"dmdose calc rituximab {_BODY} --start-date 2026-12-01 --regimen fixed-days-1-15"),
               options=("regimen", "start_date", "formula"), drug="rituximab"),
    Calculator("mycophenolate", _calc_mycophenolate, "mycophenolate mofetil twice daily, renal limit, MPS equivalent",
               (f"dmdose calc mmf {_BODY} --creatinine '0.9 mg/dL' --dose '1500 mg'",), options=("dose",), aliases=("mmf",),
               drug="mycophenolate mofetil"),
    Calculator("hydroxychloroquine", _calc_hcq, "hydroxychloroquine against 5 mg/kg/day of actual weight",
               (f"dmdose calc hcq {_BODY} --daily-dose '400 mg'",), options=("hcq_daily_dose",), aliases=("hcq",), drug="hydroxychloroquine"),
    Calculator("prednisone", _calc_prednisone, "prednisone daily dose against the plan's 5 mg",
               (f"dmdose calc prednisone {_BODY} --daily-dose '5 mg'",), options=("pred_daily_dose",), drug="prednisone"),
    Calculator("monitoring", _calc_monitoring, "monitoring plan for a regimen",
               (f"dmdose calc monitoring {_BODY} --drug methotrexate --drug ivig",), options=("drug",)),
)


_CALCULATORS += (
    Calculator("cyclosporine", _calc_cyclosporine, "cyclosporine twice daily to whole capsules",
               (f"dmdose calc cyclosporine {_BODY} --creatinine '0.9 mg/dL' --mg-per-kg-day '2.5 mg/kg/day'",),
               options=("mg_per_kg_day",), aliases=("csa",), drug="cyclosporine"),
)

BY_NAME = {c.name: c for c in _CALCULATORS}
CALCULATORS: dict[str, Callable[[argparse.Namespace], Any]] = {c.name: c.run for c in _CALCULATORS}
ALIASES = {alias: c.name for c in _CALCULATORS for alias in c.aliases}
CALCULATOR_DRUGS = {c.name: c.drug for c in _CALCULATORS if c.drug}


def add_calc_parser(sub: argparse._SubParsersAction[_P]) -> None:
    """``dmdose calc`` and one subcommand per calculator."""
    calc = sub.add_parser("calc", help="run one calculator", description="Run one calculator; `dmdose calc NAME --help` lists its options.")
    names = calc.add_subparsers(dest="calculator", required=True, metavar="CALCULATOR", parser_class=type(calc))
    for spec in _CALCULATORS:
        _add_calculator(names, spec)


def _add_calculator(names: argparse._SubParsersAction[_P], spec: Calculator) -> None:
    epilog = "examples:\n" + "\n".join(f"  {example}" for example in spec.examples)
    parser = names.add_parser(
        spec.name, aliases=list(spec.aliases), help=spec.summary.replace("%", "%%"), description=f"{spec.name}: {spec.summary}",
        epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON (for scripts)")
    patient = parser.add_argument_group("patient")
    for key, (flag, kwargs) in PATIENT_OPTIONS.items():
        # Accepted everywhere (one patient line for every calculator), shown only where used.
        shown = kwargs if key in spec.patient else {**kwargs, "help": argparse.SUPPRESS}
        patient.add_argument(flag, **shown)
    if spec.options:
        group = parser.add_argument_group(f"{spec.name} options")
        for key in spec.options:
            flag, kwargs = OPTIONS[key]
            group.add_argument(flag, **kwargs)
    parser.set_defaults(func=cmd_calc, **_hidden_defaults(parser))


def _hidden_defaults(parser: argparse.ArgumentParser) -> dict[str, Any]:
    # The calculator functions read every option; the ones this subcommand does not show keep their defaults.
    present = {action.dest for action in parser._actions}
    defaults: dict[str, Any] = {}
    for flag, kwargs in OPTIONS.values():
        dest = kwargs.get("dest", flag.lstrip("-").replace("-", "_"))
        if dest not in present:
            defaults.setdefault(dest, kwargs.get("default", False if kwargs.get("action") == "store_true" else None))
    return defaults


def cmd_calc(args: argparse.Namespace) -> int:
    """Print the calculation; exit like verify (0 ok, 1 warn, 2 block) by its findings."""
    import interactions

    name = ALIASES.get(args.calculator, args.calculator)
    drug = CALCULATOR_DRUGS.get(name)
    try:
        result = CALCULATORS[name](args)
        rules = interactions.check(drug, _patient(args)).findings if drug else ()
    except DoseInputError as exc:
        return fail(args, exc)
    findings = (*getattr(result, "findings", ()), *rules)
    if args.json:
        data = jsonable(result)
        if isinstance(data, dict) and drug:
            data["patient_rule_findings"] = jsonable(list(rules))
            data["status"] = status_of(findings).value
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(calc_report(name, args, result, tuple(rules), status_of(findings).value if drug else None))
    return status_of(findings).exit_code


# --- the text report ----------------------------------------------------------------------------
#
# Laid out like `verify`'s report: section labels in a 13-character column, values with
# their units, nothing printed for a field that does not apply (no "volume: None").

LABEL = 13
# Shown in their own sections (or not at all: the text of `details` already says it).
_SEPARATE = {"findings", "details", "infusion_steps"}
_OMIT = {"ivig": {"product"}, "cyclosporine": {"capsules"}}
# Field names that read wrongly on their own in a report: cyclosporine's daily_dose is the mg/kg target,
# shown beside the whole-capsule total actually given (rounded_daily_dose).
_LABELS = {"cyclosporine": {"daily_dose": "target daily dose", "rounded_daily_dose": "daily dose given"}}


def calc_report(name: str, args: argparse.Namespace, result: Any, rules: tuple[Finding, ...], status: str | None) -> str:
    lines = [_line("CALCULATOR", name + (f" ({result.product})" if name == "ivig" else ""))]
    if status is not None:
        lines.append(_line("STATUS", status.upper()))
    patient = _patient_text(args)
    if patient:
        lines.append(_line("PATIENT", patient))
    lines.append("RESULT")
    lines += _rows(_fields(result), indent=2, omit=_SEPARATE | _OMIT.get(name, set()), labels=_LABELS.get(name, {}))
    if name == "ivig":
        lines += ivig_ramp_table(result, args)
    details = _fields(result).get("details")
    if details:
        lines.append("CALCULATION")
        lines += _aligned([(str(key), str(value)) for key, value in details], indent=2)
    findings = (*getattr(result, "findings", ()), *rules)
    if status is not None or findings:
        lines.append("FINDINGS" if findings else "FINDINGS     none")
    for finding in findings:
        lines.append(f"  [{finding.severity.value}] {finding.rule_id}")
        lines.append(f"      {finding.message}")
        lines.append(f"      source: {finding.reference}")
    return "\n".join(lines)


def _line(label: str, value: str) -> str:
    return f"{label:<{LABEL}}{value}"


def _patient_text(args: argparse.Namespace) -> str:
    parts = [getattr(args, key) for key in ("weight", "height", "age", "sex") if getattr(args, key, None)]
    if getattr(args, "creatinine", None):
        parts.append(f"creatinine {args.creatinine}")
    parts += list(getattr(args, "condition", None) or ())
    return ", ".join(parts)


def _fields(value: Any) -> dict[str, Any]:
    if attrs.has(type(value)):
        return {f.name: getattr(value, f.name) for f in attrs.fields(type(value))}
    return dict(value) if isinstance(value, dict) else {}


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, (list, tuple, dict, set, frozenset, str)) and len(value) == 0)


def _label(key: str, labels: Mapping[str, str] = {}) -> str:
    return labels.get(key, key.replace("_", " "))


def _rows(fields: dict[str, Any], indent: int, omit: Iterable[str] = (), labels: Mapping[str, str] = {}) -> list[str]:
    """Each field as 'label  value'; nested records and lists indented under their label."""
    simple: list[tuple[str, str]] = []
    lines: list[str] = []
    omit = set(omit)
    for key, value in fields.items():
        if key in omit or not _present(value):
            continue
        nested = _nested(value, indent + 2)
        if nested is None:
            simple.append((_label(key, labels), show(value)))
        else:
            # Flush the aligned block so the nested one sits under its own label.
            lines += _aligned(simple, indent)
            simple = []
            lines.append(" " * indent + _label(key, labels))
            lines += nested
    return lines + _aligned(simple, indent)


def _aligned(pairs: list[tuple[str, str]], indent: int) -> list[str]:
    if not pairs:
        return []
    width = max(len(label) for label, _ in pairs) + 2
    return [" " * indent + f"{label:<{width}}{value}" for label, value in pairs]


def _is_record(value: Any) -> bool:
    return attrs.has(type(value)) or isinstance(value, dict)


def _nested(value: Any, indent: int) -> list[str] | None:
    """Lines for a record or a list of records; None when the value fits on one line."""
    if _is_record(value):
        fields = _fields(value)
        if _is_count(fields):
            return None
        return _rows(fields, indent)
    if isinstance(value, (list, tuple)) and value and all(_is_record(item) for item in value):
        if all(_is_count(_fields(item)) for item in value):
            return None
        return _items(value, indent)
    return None


def _is_count(fields: dict[str, Any]) -> bool:
    # {size|strength, count} (vials, tablets): shown as "3 × 20 g".
    return set(fields) in ({"size", "count"}, {"strength", "count"})


def _count_text(fields: dict[str, Any]) -> str:
    size = fields.get("size", fields.get("strength"))
    return f"{fields['count']} × {show(size)}"


def _items(items: Iterable[Any], indent: int) -> list[str]:
    """A list of records: a table when every row fits the eye, else one block per item."""
    rows = [{k: v for k, v in _fields(item).items() if _present(v)} for item in items]
    if all("text" in row for row in rows):
        return [" " * indent + f"- {show(row['text'])}" for row in rows]
    columns = [key for key in dict.fromkeys(k for row in rows for k in row)]
    cells = [[show(row[key]) if key in row else "" for key in columns] for row in rows]
    if all(len(cell) <= 40 for row in cells for cell in row):
        return table([_label(c) for c in columns], cells, indent)
    lines = []
    for row in rows:
        first, *rest = row.items()
        lines.append(" " * indent + f"- {show(first[1])}")
        lines += _aligned([(_label(k), show(v)) for k, v in rest], indent + 4)
    return lines


def table(headers: list[str], rows: list[list[str]], indent: int, right: Iterable[int] = ()) -> list[str]:
    right = set(right)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def cell(i: int, text: str) -> str:
        return text.rjust(widths[i]) if i in right else text.ljust(widths[i])

    out = [" " * indent + "  ".join(cell(i, h) for i, h in enumerate(headers)).rstrip()]
    out += [" " * indent + "  ".join(cell(i, text) for i, text in enumerate(row)).rstrip() for row in rows]
    return out


def show(value: Any) -> str:
    """One value as a pharmacist reads it."""
    if isinstance(value, pint.Quantity):
        return quantity_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return number_text(value)
    if _is_record(value):
        fields = _fields(value)
        if _is_count(fields):
            return _count_text(fields)
        return "; ".join(f"{_label(k)} {show(v)}" for k, v in fields.items() if _present(v))
    if isinstance(value, (list, tuple)):
        if value and all(_is_record(v) and _is_count(_fields(v)) for v in value):
            return " + ".join(_count_text(_fields(v)) for v in value)
        texts = [show(v) for v in value]
        # Items that hold commas themselves are kept apart with semicolons.
        return ("; " if any("," in text for text in texts) else ", ").join(texts)
    return str(value)


def number_text(x: float) -> str:
    """A computed number with the precision a chart uses: 87.1226 → 87.1, 1.79118 → 1.79, 0.0714 → 0.0714.

    Truncated, never rounded up (as :func:`dosing.units.fmt_floor`): a measured value shown
    next to a threshold stays on its side of it. Float noise is rounded away first, so that
    14.999999999 mg still reads 15.
    """
    if not math.isfinite(x):
        return str(x)
    exact = Decimal(repr(x)).quantize(Decimal("1e-9"))
    if exact == exact.to_integral_value():
        return str(int(exact))
    size = abs(exact)
    places = 1 if size >= 10 else 2 if size >= 1 else max(3, -size.adjusted() + 2)
    text = str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN))
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity_text(q: Qty) -> str:
    if q.check("[time]") and str(q.units) in ("hour", "minute") and q.magnitude > 0:
        return duration_text(q)
    if str(q.units) == "percent":
        return f"{number_text(float(q.magnitude))} %"
    return f"{number_text(float(q.magnitude))} {unit_text(q.units)}"


def duration_text(q: Qty) -> str:
    """'30 min', '3 h 48 min': an infusion time is rounded UP to the minute, never shown shorter than it is."""
    minutes = math.ceil(float(q.to("minute").magnitude) - 1e-6)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def ivig_ramp_table(plan: Any, args: argparse.Namespace) -> list[str]:
    """The label's rate ramp as a table: step, mL/h, mg/kg/min, how long, volume."""
    from dosing.drugs.ivig import DEFAULT_PRODUCT

    # The CLI always doses the default product, so its concentration turns mL/kg/h into mg/kg/min.
    concentration = DEFAULT_PRODUCT.concentration
    rows = []
    for number, step in enumerate(plan.infusion_steps, start=1):
        mg_kg_min = (step.rate_per_kg * concentration).to("mg/kg/min")
        rows.append([
            str(number),
            number_text(float(step.rate.to("mL/h").magnitude)),
            number_text(float(step.rate_per_kg.to("mL/kg/h").magnitude)),
            number_text(float(mg_kg_min.magnitude)),
            duration_text(step.duration) + (" (to the end)" if step.is_maximum else ""),
            quantity_text(step.volume),
        ])
    headers = ["step", "mL/h", "mL/kg/h", "mg/kg/min", "hold for", "volume"]
    total = ["", "", "", "", duration_text(plan.ramp_infusion_time), quantity_text(plan.daily_volume)]
    lines = [f"INFUSION RAMP {plan.product} ({quantity_text(concentration)}) at {quantity_text(plan.rate_weight)}, each infusion day"]
    lines += table(headers, [*rows, ["-" * len(h) for h in headers], total], indent=2, right=(0, 1, 2, 3))
    lines.append(f"  raise to the next step as tolerated; never faster than {quantity_text(plan.max_rate)} "
                 f"(shortest possible infusion {duration_text(plan.min_infusion_time)})")
    return lines
