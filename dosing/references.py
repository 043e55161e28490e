"""Named sources for every clinical number in dmdose.

A rule cites one of these by key, next to the number it takes from it, so a
pharmacist can check the arithmetic against the document it came from.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Reference:
    key: str
    citation: str


def _r(key: str, citation: str) -> Reference:
    return Reference(key, citation)


SEED_PLAN = _r(
    "seed-plan",
    "Optimal Treatment Plan for Refractory Dermatomyositis, the clinician's plan this tool implements (restated with its traceability in docs/treatment-plan.md)",
)
MOSTELLER = _r("mosteller-1987", "Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098")
DUBOIS = _r("dubois-1916", "Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if height and weight be known. Arch Intern Med 1916;17:863-71")
HAYCOCK = _r("haycock-1978", "Haycock GB et al. Geometric method for measuring body surface area. J Pediatr 1978;93:62-6")
GEHAN_GEORGE = _r("gehan-george-1970", "Gehan EA, George SL. Estimation of human body surface area from height and weight. Cancer Chemother Rep 1970;54:225-35")
BOYD = _r("boyd-1935", "Boyd E. The Growth of the Surface Area of the Human Body. University of Minnesota Press, 1935")
DEVINE = _r("devine-1974", "Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974;8:650-5 (IBW: 50 kg / 45.5 kg + 2.3 kg per inch over 5 ft)")
ADJUSTED_BW = _r("adjbw-0.4", "Adjusted body weight = IBW + 0.4 x (actual - IBW); Bauer LA, Applied Clinical Pharmacokinetics, 3rd ed.")
COCKCROFT_GAULT = _r("cockcroft-gault-1976", "Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. Nephron 1976;16:31-41")
WINTER_2012 = _r(
    "winter-2012",
    "Winter MA, Guhr KN, Berg GM. Impact of various body weights and serum creatinine concentrations on the bias and "
    "accuracy of the Cockcroft-Gault equation. Pharmacotherapy 2012;32:604-12 (adjusted body weight is the least "
    "biased weight in overweight and obese patients)",
)
CKD_EPI_2021 = _r("ckd-epi-2021", "Inker LA et al. New creatinine- and cystatin C-based equations to estimate GFR without race. N Engl J Med 2021;385:1737-49")
