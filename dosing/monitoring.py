"""What to monitor, how often and why, for the drugs in the plan and this patient's problems.

``monitoring_plan(drugs, patient)`` always includes the seed plan's monthly
disease-activity labs, then each drug's safety tests, then what the patient's
conditions call for (cardiac symptoms → troponin and ECG; new dysphagia → urgent
swallow study). Each item names its source.

Drug names are resolved through the interaction drug table (``interactions.resolve``),
so every name ``verify`` accepts works here ("Plaquenil", "MTX", "CellCept"); a
drug dmdose knows but has no monitoring entry for is refused, never skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from dosing import references as refs
from dosing.body import Sex
from dosing.drugs.hydroxychloroquine import AAO_2016
from dosing.drugs.steroids import ACR_GIOP_2022
from dosing.input.fields import expect
from dosing.patient import Patient
from dosing.units import DoseInputError

ACR_DMARD_2012 = refs.Reference(
    "acr-2012-dmard-monitoring",
    "Singh JA et al. 2012 update of the 2008 American College of Rheumatology recommendations for the use of DMARDs "
    "and biologic agents in rheumatoid arthritis. Arthritis Care Res 2012;64:625-39 (methotrexate: CBC, liver tests, "
    "creatinine every 2–4 weeks for the first 3 months, every 8–12 weeks in months 3–6, every 12 weeks thereafter)",
)
IVIG_LABELS = refs.Reference(
    "ivig-uspi",
    "Immune globulin intravenous (human) US prescribing information, e.g. Privigen, Gamunex-C, Octagam: Boxed Warning "
    "(thrombosis; renal dysfunction and acute renal failure — assess renal function before and monitor after "
    "infusion in patients at risk), Warnings (hyperviscosity: assess blood viscosity in patients at risk), Contraindications (IgA deficiency with "
    "antibodies against IgA)",
)
BSR_DMARD_2017 = refs.Reference(
    "bsr-2017-dmard-monitoring",
    "Ledingham J et al. BSR and BHPR guideline for the prescription and monitoring of non-biologic disease-modifying "
    "anti-rheumatic drugs. Rheumatology 2017;56:865-8 (mycophenolate: FBC, creatinine/eGFR, ALT/AST and albumin "
    "every 2 weeks until on a stable dose for 6 weeks, monthly for 3 months, then every 12 weeks)",
)
RITUXIMAB_RA_CONSENSUS = refs.Reference(
    "buch-2011-rituximab-consensus",
    "Buch MH et al. Updated consensus statement on the use of rituximab in patients with rheumatoid arthritis. "
    "Ann Rheum Dis 2011;70:909-20 (measure immunoglobulins before each course; HBV screening)",
)

METHOTREXATE_LABEL = refs.Reference(
    "methotrexate-uspi",
    "Methotrexate tablets/injection US prescribing information (PLR labels, e.g. Trexall, Otrexup, Xatmep): Boxed "
    "Warning (embryo-fetal toxicity; contraindicated in pregnancy for non-neoplastic diseases), 8.3 Females and Males "
    "of Reproductive Potential (verify pregnancy status before starting; effective contraception during treatment and "
    "for 6 months after the final dose in females, 3 months in males with female partners)",
)
MYCOPHENOLATE_REMS = refs.Reference(
    "mycophenolate-rems",
    "CellCept/Myfortic US prescribing information, Boxed Warning and 8.3, and the Mycophenolate REMS: pregnancy test "
    "(sensitivity ≥ 25 mIU/mL) immediately before starting and 8–10 days later, repeated at routine follow-up; "
    "acceptable contraception during treatment and for 6 weeks after stopping (females); condoms during treatment and "
    "for 90 days after stopping (males with female partners)",
)
ACR_DMARD_2008 = refs.Reference(
    "acr-2008-dmard",
    "Saag KG et al. American College of Rheumatology 2008 recommendations for the use of nonbiologic and biologic "
    "disease-modifying antirheumatic drugs in rheumatoid arthritis. Arthritis Rheum 2008;59:762-84 (hepatitis B and C "
    "serology before starting methotrexate or leflunomide — named there for patients with hepatitis risk factors); "
    "Singh JA et al. 2012 update, Arthritis Care Res 2012;64:625-39 (hepatitis B and C screening)",
)
# The CBC items cite the label passages that call for blood counts (not the dosing/vials passages).
RITUXAN_CYTOPENIAS = refs.Reference(
    "rituxan-uspi-cytopenias",
    "Rituxan (rituximab) US prescribing information, Genentech: Warnings and Precautions, cytopenias and laboratory "
    "monitoring (obtain complete blood counts and platelet counts before each course and at regular intervals during "
    "therapy — every 2 to 4 months in RA, GPA and MPA; cytopenias, including late-onset neutropenia, can occur months "
    "after treatment)",
)
RITUXAN_HBV = refs.Reference(
    "rituxan-uspi-hbv",
    "Rituxan (rituximab) US prescribing information, Genentech: Boxed Warning and Warnings and Precautions, hepatitis B "
    "virus reactivation (screen all patients with HBsAg and anti-HBc before treatment; with evidence of prior HBV "
    "infection, consult a hepatitis B expert on monitoring and antiviral therapy, and monitor for hepatitis and HBV "
    "reactivation during and for several months after treatment)",
)
AGA_HBV_2015 = refs.Reference(
    "aga-hbv-2015",
    "Reddy KR, Beavers KL, Hammond SP, Lim JK, Falck-Ytter YT. American Gastroenterological Association Institute "
    "guideline on the prevention and treatment of hepatitis B virus reactivation during immunosuppressive drug therapy. "
    "Gastroenterology 2015;148:215-9 (anti-HBc positive, HBsAg negative patients on B-cell-depleting agents such as "
    "rituximab are at high risk: antiviral prophylaxis, continued at least 12 months after therapy stops)",
)
CELLCEPT_NEUTROPENIA = refs.Reference(
    "cellcept-uspi-blood-dyscrasias",
    "CellCept (mycophenolate mofetil) US prescribing information, Genentech: Warnings and Precautions, Blood "
    "Dyscrasias: Neutropenia and Pure Red Cell Aplasia (consider complete blood counts weekly for the first month, "
    "twice monthly for the second and third months, and monthly for the remainder of the first year; interrupt or "
    "reduce the dose if neutropenia develops)",
)
# Pregnancy is a contraindication for these (interactions/rules.toml), not only a reason for a pregnancy test.
PREGNANCY_CONTRAINDICATED = {
    "methotrexate": "interactions.mtx-pregnancy",
    "mycophenolate mofetil": "interactions.mycophenolate-pregnancy",
    "mycophenolate sodium": "interactions.mycophenolate-pregnancy",
}

CANONICAL_DRUGS = (
    "ivig",
    "methotrexate",
    "rituximab",
    "mycophenolate mofetil",
    "mycophenolate sodium",
    "prednisone",
    "hydroxychloroquine",
)


@attrs.frozen
class MonitoringItem:
    test: str
    frequency: str
    reason: str
    reference: str
    # The drug or problem that calls for the test; "all" for the disease-activity labs.
    applies_to: str = "all"


@attrs.frozen
class MonitoringPlan:
    drugs: tuple[str, ...]
    items: tuple[MonitoringItem, ...]

    def tests(self) -> tuple[str, ...]:
        """Every test named in the plan, once, in plan order."""
        return tuple(dict.fromkeys(item.test for item in self.items))

    def for_drug(self, name: str) -> tuple[MonitoringItem, ...]:
        return tuple(item for item in self.items if item.applies_to == name)


def _item(test: str, frequency: str, reason: str, reference: refs.Reference, applies_to: str) -> MonitoringItem:
    return MonitoringItem(test, frequency, reason, reference.citation, applies_to)


def _disease_activity() -> list[MonitoringItem]:
    # Seed plan: "Check CK, aldolase, AST, ALT, LDH, ESR, CRP monthly as planned".
    reason = "disease activity markers that guide treatment intensity and response"
    return [_item(test, "monthly", reason, refs.SEED_PLAN, "all") for test in ("CK", "aldolase", "AST", "ALT", "LDH", "ESR", "CRP")]


def _pregnancy_prevention(
    drug: str, patient: Patient, reference: refs.Reference, *, test_when: str, after_stop: str
) -> list[MonitoringItem]:
    # Both labels: teratogen (boxed warning). The pregnancy test is for females of reproductive potential;
    # contraception counselling covers both sexes (each label gives a duration for males too).
    items = []
    # Unknown or other sex keeps the pregnancy items: only a recorded male sex drops them.
    if patient.sex is not Sex.MALE:
        items.append(
            _item(
                "pregnancy test (females of reproductive potential)",
                test_when,
                f"{drug} is teratogenic (boxed warning): exclude pregnancy before the first dose",
                reference,
                drug,
            )
        )
    items.append(
        _item(
            "contraception counselling",
            "before starting, and at follow-up visits",
            f"{drug} is teratogenic (boxed warning): effective contraception during treatment and {after_stop}",
            reference,
            drug,
        )
    )
    return items


def _methotrexate(patient: Patient) -> list[MonitoringItem]:
    freq = "every 2–4 weeks for the first 3 months, then every 8–12 weeks (every 12 weeks after 6 months)"
    return [
        _item("CBC with differential", freq, "methotrexate myelosuppression", ACR_DMARD_2012, "methotrexate"),
        _item("liver tests (AST, ALT, albumin)", freq, "methotrexate hepatotoxicity", ACR_DMARD_2012, "methotrexate"),
        _item("serum creatinine", freq, "methotrexate is cleared by the kidney; reduced clearance raises toxicity", ACR_DMARD_2012, "methotrexate"),
        _item(
            "hepatitis B and C serology (HBsAg, anti-HBc, anti-HCV)",
            "before starting",
            "chronic viral hepatitis adds to methotrexate hepatotoxicity, and hepatitis B can reactivate under immunosuppression",
            ACR_DMARD_2008,
            "methotrexate",
        ),
        *_pregnancy_prevention(
            "methotrexate",
            patient,
            METHOTREXATE_LABEL,
            test_when="before starting",
            after_stop="for 6 months after the final dose (females), 3 months (males with female partners)",
        ),
    ]


def _mycophenolate(name: str, patient: Patient) -> list[MonitoringItem]:
    return [
        _item(
            "CBC with differential",
            "weekly in month 1, twice monthly in months 2–3, then monthly through the first year",
            "mycophenolate neutropenia and other blood dyscrasias",
            CELLCEPT_NEUTROPENIA,
            name,
        ),
        _item(
            "liver tests (AST, ALT, albumin)",
            "every 2 weeks until on a stable dose for 6 weeks, monthly for 3 months, then every 12 weeks",
            "mycophenolate hepatotoxicity",
            BSR_DMARD_2017,
            name,
        ),
        _item(
            "serum creatinine / eGFR",
            "before starting, then with the liver tests",
            "eGFR < 25 mL/min/1.73 m² limits the dose to 1 g MMF (720 mg MPS) twice daily (CellCept US PI)",
            BSR_DMARD_2017,
            name,
        ),
        *_pregnancy_prevention(
            name,
            patient,
            MYCOPHENOLATE_REMS,
            test_when="immediately before starting and 8–10 days later, then at routine follow-up",
            after_stop="for 6 weeks after stopping (females), 90 days (males with female partners)",
        ),
    ]


def _ivig(patient: Patient) -> list[MonitoringItem]:
    return [
        _item(
            "serum IgG level",
            "before each IVIG course",
            "baseline immunoglobulin level; a high IgG or a paraprotein raises the hyperviscosity and thrombosis risk",
            IVIG_LABELS,
            "ivig",
        ),
        _item(
            "IgA level",
            "once, before the first IVIG course",
            "IgA deficiency with anti-IgA antibodies contraindicates IVIG (anaphylaxis)",
            IVIG_LABELS,
            "ivig",
        ),
        _item(
            "serum creatinine / BUN (renal function)",
            "before each IVIG course; again after the infusion if risk factors (renal impairment, diabetes, age > 65, "
            "volume depletion, nephrotoxic drugs)",
            "boxed warning: renal dysfunction and acute renal failure",
            IVIG_LABELS,
            "ivig",
        ),
    ]


def _rituximab(patient: Patient) -> list[MonitoringItem]:
    items = [
        _item(
            "hepatitis B screening (HBsAg and anti-HBc)",
            "before the first dose",
            "boxed warning: hepatitis B reactivation, fulminant hepatitis and death",
            RITUXAN_HBV,
            "rituximab",
        ),
        _item("serum IgG level", "before each rituximab course", "hypogammaglobulinaemia and infection risk", RITUXIMAB_RA_CONSENSUS, "rituximab"),
        _item(
            "CBC with differential",
            "before each course, then every 2–4 months",
            "rituximab cytopenias, including late-onset neutropenia",
            RITUXAN_CYTOPENIAS,
            "rituximab",
        ),
    ]
    if patient.has("hepatitis_b_past"):
        # Resolved HBV (anti-HBc positive, HBsAg negative): interactions.rituximab-hbv-past (MAJOR).
        reason = "resolved hepatitis B (anti-HBc positive): B-cell depletion can reactivate HBV (fulminant hepatitis, death)"
        items += [
            _item(
                "hepatology referral (antiviral prophylaxis)",
                "before the first dose",
                reason + "; high risk with rituximab: antiviral prophylaxis, continued at least 12 months after the last dose",
                AGA_HBV_2015,
                "rituximab",
            ),
            _item(
                "HBV DNA and liver tests (ALT, AST)",
                "during treatment and for several months after the last dose (interval set with hepatology)",
                reason,
                RITUXAN_HBV,
                "rituximab",
            ),
        ]
    return items


def _prednisone(patient: Patient) -> list[MonitoringItem]:
    return [
        _item(
            "fracture risk assessment (BMD with vertebral fracture assessment; FRAX if ≥ 40 years)",
            # ACR 2022: "as soon as possible" after starting (the 2017 guideline allowed 6 months).
            "as soon as possible after starting glucocorticoid ≥ 2.5 mg/day for > 3 months, then every 1–2 years",
            "glucocorticoid-induced osteoporosis",
            ACR_GIOP_2022,
            "prednisone",
        )
    ]


def _hydroxychloroquine(patient: Patient) -> list[MonitoringItem]:
    return [
        _item(
            "baseline retinal examination (fundus)",
            "within the first year of use; annual screening (SD-OCT, visual fields) after 5 years, or from the start "
            "with major risk factors",
            "hydroxychloroquine retinopathy",
            AAO_2016,
            "hydroxychloroquine",
        )
    ]


_DRUG_ITEMS = {
    "ivig": _ivig,
    "methotrexate": _methotrexate,
    "rituximab": _rituximab,
    "mycophenolate mofetil": lambda patient: _mycophenolate("mycophenolate mofetil", patient),
    "mycophenolate sodium": lambda patient: _mycophenolate("mycophenolate sodium", patient),
    "prednisone": _prednisone,
    "hydroxychloroquine": _hydroxychloroquine,
}


def _cardiac() -> list[MonitoringItem]:
    reason = "possible myocardial involvement in dermatomyositis (can be life-threatening)"
    return [
        _item("troponin", "now (urgent)", reason, refs.SEED_PLAN, "cardiac_symptoms"),
        _item("ECG", "now (urgent)", reason, refs.SEED_PLAN, "cardiac_symptoms"),
        _item("echocardiogram (consider)", "as soon as practical", reason, refs.SEED_PLAN, "cardiac_symptoms"),
    ]


def _dysphagia() -> list[MonitoringItem]:
    reason = "new-onset dysphagia: pharyngeal/oesophageal muscle involvement and aspiration risk"
    return [
        _item("modified barium swallow study", "urgent", reason, refs.SEED_PLAN, "dysphagia_new_onset"),
        _item("speech-language pathology referral (swallowing evaluation)", "urgent", reason, refs.SEED_PLAN, "dysphagia_new_onset"),
        _item("watch for signs of aspiration pneumonia", "ongoing", reason, refs.SEED_PLAN, "dysphagia_new_onset"),
    ]


def _pregnancy_contraindications(names: tuple[str, ...], patient: Patient) -> list[MonitoringItem]:
    """First in the plan: a teratogen that is contraindicated in pregnancy, for a pregnant patient."""
    if not patient.has("pregnancy"):
        return []
    references = {"methotrexate": METHOTREXATE_LABEL}
    return [
        _item(
            f"STOP: {name} is contraindicated in pregnancy — do not start or continue it",
            "now, before any dose",
            f"the patient is pregnant or planning pregnancy: {name} is teratogenic and contraindicated in pregnancy "
            f"(boxed warning; interaction rule {PREGNANCY_CONTRAINDICATED[name]}). The pregnancy test and contraception "
            "items below apply only if pregnancy is excluded and the drug is still to be given.",
            references.get(name, MYCOPHENOLATE_REMS),
            name,
        )
        for name in names
        if name in PREGNANCY_CONTRAINDICATED
    ]


def _drug_names(drugs: object) -> tuple[str, ...]:
    if isinstance(drugs, str) or not isinstance(drugs, Iterable):
        raise DoseInputError("drugs", f"expected a list of drug names, got {drugs!r}")
    try:
        # Some objects claim to be iterable and are not (a scalar pint Quantity).
        given = list(drugs)
    except TypeError:
        raise DoseInputError("drugs", f"expected a list of drug names, got {drugs!r}") from None
    # Imported here: interactions imports the dosing core, and dosing must not import it at module load.
    import interactions

    names = []
    for raw in given:
        if not isinstance(raw, str):
            raise DoseInputError("drugs", f"expected drug names, got {raw!r}")
        try:
            name = interactions.resolve(raw)
        except DoseInputError as err:  # UnknownDrugError: unknown or ambiguous ("mycophenolate")
            candidates = getattr(err, "candidates", ())
            problem = f"{raw!r} is ambiguous: say which of {', '.join(candidates)}" if candidates else f"unknown drug {raw!r}"
            raise DoseInputError("drugs", f"{problem}; monitoring is listed for: {', '.join(CANONICAL_DRUGS)}") from None
        if name not in _DRUG_ITEMS:
            raise DoseInputError(
                "drugs",
                f"{raw!r} ({name}) has no monitoring entry in dmdose; monitoring is listed for: {', '.join(CANONICAL_DRUGS)}",
            )
        names.append(name)
    return tuple(dict.fromkeys(names))


def monitoring_plan(drugs: Iterable[str], patient: Patient) -> MonitoringPlan:
    """Monitoring for ``drugs`` (any name the drug table resolves to one of ``CANONICAL_DRUGS``) and ``patient``."""
    names = _drug_names(drugs)
    expect(patient, Patient, "patient")
    items = _pregnancy_contraindications(names, patient) + _disease_activity()
    for name in names:
        items += _DRUG_ITEMS[name](patient)
    if patient.has("cardiac_symptoms"):
        items += _cardiac()
    if patient.has("dysphagia_new_onset"):
        items += _dysphagia()
    return MonitoringPlan(names, tuple(items))


__all__ = ["CANONICAL_DRUGS", "MonitoringItem", "MonitoringPlan", "monitoring_plan"]
