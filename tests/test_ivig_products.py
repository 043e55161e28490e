"""IVIG products added to interactions/ivig_products.toml from their US labels (issue 7).

Each product added here gets a known-answer test: the figures its label gives (concentration,
vial contents, the first rate step and its time, the maximum) are what the table loads, and an
order naming the product as a prescriber writes it is computed with them through dosing.verify.
The products left out of the table (figures not confirmed) must still get the generic rules and
a caution.
"""

from __future__ import annotations

import pytest

from dosing import verify
from dosing.drugs.ivig import load_ivig_products, resolve_product
from dosing.findings import Severity
from dosing.order import Order
from dosing.patient import Patient
from dosing.units import Quantity
from dosing.verdict import Status

COURSE = "daily for 2 days every 4 weeks"


def entry(name: str):
    return next(e for e in load_ivig_products() if e.product.name == name)


def patient(**kw) -> Patient:
    # 50-year-old woman, creatinine 0.8 mg/dL: no renal or thrombotic rate cap.
    args = dict(weight="70 kg", height="165 cm", age="50 years", sex="female", serum_creatinine="0.8 mg/dL")
    args.update(kw)
    return Patient(**args)


def rules(verdict) -> dict[str, Severity]:
    return {f.rule_id: f.severity for f in verdict.findings}


def per_kg_h(q) -> float:
    return round(q.to("mL/kg/h").magnitude, 9)


# ---------------------------------------------------------------- the table holds the label's figures

# name: concentration mg/mL, vial g, first step (mL/kg/min, minutes), maximum mL/kg/min, same in mg/kg/min
LABEL_FIGURES = {
    # Gammaplex 5% US PI section 2: 0.5 mg/kg/min (0.01 mL/kg/min) for 15 min, every 15 min up to
    # 4 mg/kg/min (0.08 mL/kg/min); ITP 1 g/kg on 2 consecutive days; 5, 10, 20 g bottles.
    "Gammaplex 5%": (50, [5, 10, 20], (0.01, 15), 0.08, (0.5, 4.0)),
    # Gammaplex 10% US PI Table 1: 0.5 mg/kg/min (0.005 mL/kg/min) for 15 min, every 15 min up to
    # 8 mg/kg/min (0.08 mL/kg/min); ITP 1 g/kg on 2 consecutive days; 5, 10, 20 g bottles.
    "Gammaplex 10%": (100, [5, 10, 20], (0.005, 15), 0.08, (0.5, 8.0)),
}


@pytest.mark.parametrize("name", sorted(LABEL_FIGURES))
def test_new_product_loads_with_its_label_figures(name):
    conc, vials, (first_rate, first_min), max_rate, (first_mg, max_mg) = LABEL_FIGURES[name]
    e = entry(name)
    p = e.product
    assert e.brand == "Gammaplex"
    assert p.concentration.to("mg/mL").magnitude == conc
    assert sorted(v.to("g").magnitude for v in p.vial_sizes) == vials
    first, last = p.rate_steps[0], p.rate_steps[-1]
    assert per_kg_h(first.rate) == round(first_rate * 60, 9)  # mL/kg/min × 60 = mL/kg/h
    assert first.duration is not None and first.duration.to("min").magnitude == first_min
    assert per_kg_h(last.rate) == round(max_rate * 60, 9) and last.duration is None
    assert per_kg_h(e.max_rate) == round(max_rate * 60, 9)
    # The label prints both units; the table's mL figures must give its mg figures at this concentration.
    assert p.mass_rate(first.rate) == pytest.approx(first_mg)
    assert p.mass_rate(p.max_rate) == pytest.approx(max_mg)
    assert p.max_g_per_kg_per_day == 1.0
    # No CIDP or dermatomyositis indication; at risk only "the minimum rate practicable".
    assert e.cidp_max_rate is None and e.dm_max_rate is None and p.at_risk_max_rate is None
    assert name in p.reference.citation and "PI" in p.reference.citation
    assert "not confirmed" in p.note.lower()  # intermediate ramp steps: shown with the plan


# ---------------------------------------------------------------- resolved by the name an order writes

@pytest.mark.parametrize(
    "written, product",
    [
        ("Gammaplex 5%", "Gammaplex 5%"), ("gammaplex 5 %", "Gammaplex 5%"), ("GAMMAPLEX 5% 10 g", "Gammaplex 5%"),
        ("Gammaplex 10%", "Gammaplex 10%"), ("gammaplex 10 %", "Gammaplex 10%"), ("Gammaplex 10% 20 g", "Gammaplex 10%"),
        # Two strengths of one brand: the bare brand, or a strength it does not have, identifies none.
        ("Gammaplex", None), ("Gammaplex 7%", None),
    ],
)
def test_new_products_resolve_by_name(written, product):
    match = resolve_product(written)
    assert (match.entry.product.name if match.entry else None) == product, match.why


# The header's left-out list: still generic rules and a caution.
LEFT_OUT = ["Gammagard S/D", "Gammaked", "Flebogamma 5% DIF", "Flebogamma DIF", "Yimmugo", "Alyglo"]


@pytest.mark.parametrize("written", LEFT_OUT + ["Gammaplex"])
def test_products_not_in_the_table_get_the_generic_rules_with_a_caution(written):
    assert resolve_product(written).entry is None
    v = verify(Order(written, "1 g/kg", COURSE, "iv"), patient())
    assert v.drug == "ivig"
    assert rules(v)["ivig.product-not-identified"] is Severity.CAUTION
    assert "of Octagam 10%" in v.recommended  # the default product's concentration, said so


# ---------------------------------------------------------------- known answers through dosing.verify

def test_gammaplex_5_order_known_answer():
    # 1 g/kg × 70 kg = 70 g daily × 2 = 140 g = 2 g/kg of the actual weight (label policy).
    # Vials 20/10/5 g: 70 g = 3 × 20 + 1 × 10. Volume 70 g ÷ 50 mg/mL = 1400 mL.
    # First step 0.01 mL/kg/min = 0.6 mL/kg/h × 70 kg = 42 mL/h for 15 min (10.5 mL);
    # maximum 0.08 mL/kg/min = 4.8 mL/kg/h × 70 kg = 336 mL/h for the 1389.5 mL left = 248 min.
    v = verify(Order("Gammaplex 5%", "1 g/kg", COURSE, "iv"), patient())
    assert v.status is Status.OK
    assert v.recommended_dose == Quantity(70.0, "g")
    details = dict(v.details)
    assert details["Vials per day"].startswith("3 × 20 g + 1 × 10 g = 70 g")
    assert details["Volume per day"] == "70 g ÷ 50 mg/mL = 1400 mL"
    assert details["Infusion ramp"] == "0.6 mL/kg/h = 42 mL/h for 15 min; 4.8 mL/kg/h = 336 mL/h for 248 min"
    assert details["Maximum rate"] == "4.8 mL/kg/h × 70 kg = 336 mL/h"
    assert "1400 mL of Gammaplex 5%" in v.recommended
    found = rules(v)
    assert "ivig.product-not-identified" not in found
    # 4 mg/kg/min is the dermatomyositis maximum itself: not above it.
    assert "ivig.rate-above-dm-label" not in found
    assert found["ivig.product-data-note"] is Severity.INFO


def test_gammaplex_10_order_known_answer():
    # 70 g daily as above; 70 g ÷ 100 mg/mL = 700 mL. First step 0.005 mL/kg/min = 0.3 mL/kg/h × 70 kg
    # = 21 mL/h for 15 min (5.25 mL); then 336 mL/h for the 694.75 mL left = 124 min.
    v = verify(Order("Gammaplex 10%", "1 g/kg", COURSE, "iv"), patient())
    assert v.recommended_dose == Quantity(70.0, "g")
    details = dict(v.details)
    assert details["Vials per day"].startswith("3 × 20 g + 1 × 10 g = 70 g")
    assert details["Volume per day"] == "70 g ÷ 100 mg/mL = 700 mL"
    assert details["Infusion ramp"] == "0.3 mL/kg/h = 21 mL/h for 15 min; 4.8 mL/kg/h = 336 mL/h for 124 min"
    assert "700 mL of Gammaplex 10%" in v.recommended
    found = rules(v)
    assert "ivig.product-not-identified" not in found
    # 8 mg/kg/min is above the dermatomyositis label's 4 mg/kg/min.
    assert found["ivig.rate-above-dm-label"] is Severity.CAUTION
    assert v.status is Status.WARN


@pytest.mark.parametrize("name", sorted(LABEL_FIGURES))
def test_at_risk_patient_is_told_the_label_gives_no_numeric_cap(name):
    # Age > 65 (boxed warning): the label asks for the minimum rate practicable without a number,
    # so the label maximum stays in the plan and the caution says so.
    v = verify(Order(name, "1 g/kg", COURSE, "iv"), patient(age="70 years"))
    finding = next(f for f in v.findings if f.rule_id == "ivig.rate-cap-at-risk")
    assert finding.severity is Severity.CAUTION
    assert "the label gives no numeric cap" in finding.message
    assert dict(v.details)["Maximum rate"] == "4.8 mL/kg/h × 70 kg = 336 mL/h"


def test_a_gammaplex_day_above_one_g_per_kg_is_major():
    # Both labels give at most 1 g/kg on one day (ITP: 1 g/kg on 2 consecutive days): 80 g is above
    # 1 g/kg × 70 kg + 5 % = 73.5 g.
    v = verify(Order("Gammaplex 10%", "80 g", "daily for 1 day every 4 weeks", "iv"), patient())
    assert rules(v)["ivig.daily-dose-above-label"] is Severity.MAJOR


def test_flebogamma_10_order_known_answer():
    # Flebogamma 10% DIF US PI section 2: initial 0.01 mL/kg/min, maintenance 0.08 mL/kg/min (30 min at the
    # initial rate is this table's reading). 1 g/kg × 70 kg = 70 g = 3 × 20 + 1 × 10 g = 700 mL at 100 mg/mL;
    # 0.01 mL/kg/min = 0.6 mL/kg/h × 70 kg = 42 mL/h for 30 min (21 mL); 0.08 mL/kg/min = 336 mL/h for the
    # 679 mL left = 121.25 min.
    v = verify(Order("Flebogamma 10% DIF", "1 g/kg", COURSE, "iv"), patient())
    assert v.recommended_dose == Quantity(70.0, "g")
    details = dict(v.details)
    assert details["Vials per day"].startswith("3 × 20 g + 1 × 10 g = 70 g")
    assert details["Volume per day"] == "70 g ÷ 100 mg/mL = 700 mL"
    assert details["Infusion ramp"] == "0.6 mL/kg/h = 42 mL/h for 30 min; 4.8 mL/kg/h = 336 mL/h for 121 min"
    found = rules(v)
    assert "ivig.product-not-identified" not in found
    # 8 mg/kg/min is above the dermatomyositis maximum of 4 mg/kg/min (Octagam 10% label): a caution.
    assert found["ivig.rate-above-dm-label"] is Severity.CAUTION
