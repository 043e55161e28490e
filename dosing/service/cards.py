"""Verdict → CDS Hooks 2.0 cards (a renderer: it decides nothing the verdict did not say).

One card per finding and regimen alert; indicator from severity (contraindicated →
critical, major/caution → warning, info → info); the verdict's arithmetic in the
detail; a suggestion that updates the draft MedicationRequest to the recommended
dose when the ordered dose differs; overrideReasons on critical cards.
"""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Mapping
from typing import Any

from dosing.findings import Finding, Severity
from dosing.units import Qty, fmt
from dosing.verdict import Verdict

SUMMARY_LIMIT = 140  # CDS Hooks 2.0: "summary ... SHOULD be under a 140-character limit"
LABEL = "dmdose"
OVERRIDE_SYSTEM = "https://dmdose.invalid/cds/override-reason"
# CDS Hooks 2.0 Card.overrideReasons: Coding list the EHR offers when the user dismisses a critical card.
OVERRIDE_REASONS = (
    ("benefit-outweighs-risk", "Benefit outweighs the risk; patient monitored"),
    ("specialist-directed", "Directed by the treating specialist"),
    ("already-addressed", "Already addressed (drug stopped or dose changed)"),
    ("patient-information-incorrect", "The patient information shown is incorrect"),
)
INDICATOR = {
    Severity.CONTRAINDICATED: "critical",
    Severity.MAJOR: "warning",
    Severity.CAUTION: "warning",
    Severity.INFO: "info",
}
# pint unit → UCUM code, for the dose of a suggestion (dosing.input.quantity.UCUM_CODES, inverted).
UCUM_OF = {
    "milligram": "mg", "gram": "g", "gram / kilogram": "g/kg", "milligram / kilogram": "mg/kg",
    "milligram / meter ** 2": "mg/m2", "tablet": "{tbl}", "capsule": "{cap}", "milliliter": "mL",
}
UCUM = "http://unitsofmeasure.org"


def short(text: str, limit: int = SUMMARY_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) < limit else text[: limit - 2].rstrip() + "…"


def provenance(verdict: Verdict | None = None) -> dict[str, str]:
    from dosing.api import dmdose_version

    if verdict is not None and verdict.dmdose_version:
        return {"dmdose_version": verdict.dmdose_version, "knowledge_hash": verdict.knowledge_hash}
    import interactions

    return {"dmdose_version": dmdose_version(), "knowledge_hash": interactions.knowledge_hash()}


def _detail(finding: Finding, verdict: Verdict) -> str:
    lines = [finding.message, "", f"**Ordered:** {verdict.ordered}", f"**Recommended:** {verdict.recommended}"]
    if verdict.details:
        lines += ["", "| | |", "|---|---|", *(f"| {_cell(k)} | {_cell(v)} |" for k, v in verdict.details)]
    knowledge = verdict.knowledge_hash.split(":")[-1][:12]
    lines += ["", f"_Rule {finding.rule_id}; verdict {verdict.status.value}; dmdose {verdict.dmdose_version}, knowledge {knowledge}_"]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _differs(verdict: Verdict, order_dose: Qty | None) -> bool:
    rec = verdict.recommended_dose
    if rec is None or order_dose is None or not rec.is_compatible_with(order_dose.units):
        return False
    return not math.isclose(float(rec.to(order_dose.units).magnitude), float(order_dose.magnitude), rel_tol=0.01)


def suggestion(verdict: Verdict, order_dose: Qty | None, draft: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An 'update' action: the draft MedicationRequest with the recommended dose, when it differs and can be written."""
    recommended = verdict.recommended_dose
    if draft is None or recommended is None or order_dose is None or not _differs(verdict, order_dose):
        return None
    rec = recommended.to(order_dose.units)
    code = UCUM_OF.get(str(rec.units))
    try:
        rate = draft["dosageInstruction"][0]["doseAndRate"][0]
    except (KeyError, IndexError, TypeError):
        return None
    if code is None or "doseQuantity" not in rate:
        return None
    resource = copy.deepcopy(dict(draft))
    value = round(float(rec.magnitude), 3)
    resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {"value": value, "unit": code, "system": UCUM, "code": code}
    return {
        "label": short(f"Change the dose to {fmt(rec)} ({verdict.recommended})", 80),
        "uuid": str(uuid.uuid4()),
        "isRecommended": True,
        "actions": [{"type": "update", "description": f"Set the dose to {fmt(rec)}", "resource": resource}],
    }


def _is_dose_finding(finding: Finding, verdict: Verdict) -> bool:
    # Interaction and condition rules are about the drug, not the amount.
    return not finding.rule_id.startswith(("interactions.", "conditions.", "verify.", "order."))


def finding_card(finding: Finding, verdict: Verdict, *, regimen: bool = False) -> dict[str, Any]:
    prefix = "Current medications: " if regimen else f"{verdict.drug}: "
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": short(prefix + finding.message),
        "detail": _detail(finding, verdict),
        "indicator": INDICATOR[finding.severity],
        "source": {"label": short(finding.reference or LABEL, 200), "topic": {"system": "https://dmdose.invalid/rule", "code": finding.rule_id}},
        "extension": {"dmdose": {"rule_id": finding.rule_id, "severity": finding.severity.value, **provenance(verdict)}},
    }
    if card["indicator"] == "critical":
        card["overrideReasons"] = [{"system": OVERRIDE_SYSTEM, "code": code, "display": display} for code, display in OVERRIDE_REASONS]
    return card


def verdict_cards(verdict: Verdict, *, order_dose: Qty | None = None, draft: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    cards = [finding_card(f, verdict) for f in verdict.findings]
    cards += [finding_card(f, verdict, regimen=True) for f in verdict.regimen_alerts]
    unresolved = verdict.unresolved_medications
    if unresolved:
        cards.append(_plain_card("warning", f"{len(unresolved)} current medication(s) not recognised: interactions with them were NOT checked",
                                 "Not recognised: " + ", ".join(f"`{m}`" for m in unresolved), verdict))
    action = suggestion(verdict, order_dose, draft)
    if action is not None:
        target = next((c for c, f in zip(cards, verdict.findings) if _is_dose_finding(f, verdict) and c["indicator"] != "info"), None)
        if target is None:
            assert verdict.recommended_dose is not None  # a suggestion is made only towards a recommended dose
            target = _plain_card("warning", f"{verdict.drug}: the ordered dose differs from the recommended {fmt(verdict.recommended_dose)}",
                                 f"**Recommended:** {verdict.recommended}", verdict)
            cards.append(target)
        target["suggestions"] = [action]
        target["selectionBehavior"] = "at-most-one"
    return cards


def _plain_card(indicator: str, summary: str, detail: str, verdict: Verdict | None = None) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "summary": short(summary),
        "detail": detail,
        "indicator": indicator,
        "source": {"label": LABEL},
        "extension": {"dmdose": provenance(verdict)},
    }


def not_verified_card(reason: str, where: str = "", drug: str | None = None) -> dict[str, Any]:
    """The order was NOT verified: never an empty answer an EHR would show as 'nothing found'."""
    what = f"{drug} order" if drug else "Order"
    detail = f"dmdose did **not** verify this order.\n\n**Why:** {reason}" + (f"\n\n**Where:** `{where}`" if where else "")
    return _plain_card("warning", f"{what} NOT verified by dmdose: {reason}", detail)
