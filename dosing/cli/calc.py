"""``dmdose calc``: one calculator, with the patient's contraindications for its drug."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from dosing import body
from dosing.cli.common import fail
from dosing.input.fields import optional_iso_date
from dosing.patient import Patient, dosing_creatinine_clearance
from dosing.serialize import jsonable
from dosing.units import DoseInputError
from dosing.verdict import status_of


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
    from dosing.drugs.ivig import calculate_ivig

    options = {
        "days": args.days,
        "start_date": optional_iso_date(args.start_date),
        "weight_basis": args.weight_basis,
        "policy": args.weight_policy,
    }
    if args.dose_per_kg:
        options["dose_per_kg"] = args.dose_per_kg
    return calculate_ivig(_patient(args), **options)


def _calc_methotrexate(args):
    from dosing.drugs.methotrexate import calculate_methotrexate

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
    from dosing.drugs.rituximab import calculate_rituximab

    if args.start_date is None:
        raise DoseInputError("start_date", "--start-date is required for a dated rituximab schedule")
    options = {"bsa_formula": args.formula}
    if args.regimen:
        options["regimen"] = args.regimen
    return calculate_rituximab(_patient(args), start_date=optional_iso_date(args.start_date), **options)


def _calc_mycophenolate(args):
    from dosing.drugs.mycophenolate import calculate_mycophenolate

    return calculate_mycophenolate(_patient(args), dose_per_administration=args.dose)


def _calc_hcq(args):
    from dosing.drugs.hydroxychloroquine import calculate_hydroxychloroquine

    return calculate_hydroxychloroquine(_patient(args), daily_dose=args.daily_dose or "400 mg")


def _calc_prednisone(args):
    from dosing.drugs.steroids import assess_prednisone

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
        return fail(args, exc)
    findings = (*getattr(result, "findings", ()), *rules)
    data = jsonable(result)
    if isinstance(data, dict) and name in CALCULATOR_DRUGS:
        data["patient_rule_findings"] = jsonable(list(rules))
        data["status"] = status_of(findings).value
    _print_result(data, args.json)
    return status_of(findings).exit_code


