"""Draw the documentation figures into docs/figures/ from dmdose's own calculators.

    pip install -e '.[docs]'
    python docs/figures.py            # writes docs/figures/*.png

The figures are computed by the same functions ``verify`` and ``dmdose calc`` use, so a
change in a rule changes its figure the next time this script runs. They are generated,
never drawn or edited by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed: files only
import matplotlib.pyplot as plt
import numpy as np

from dosing import Patient
from dosing.drugs.ivig import DEFAULT_PRODUCT, calculate_ivig
from dosing.drugs.methotrexate import CAP_MG, DOSE_PER_M2_MG, OVERRIDE_CAP_MG, STEP_MG, weekly_dose_mg_from_bsa
from dosing.units import fmt

OUT = Path(__file__).resolve().parent / "figures"
# The seed plan's patient height and sex; the weight is what varies.
HEIGHT, AGE, SEX = "165 cm", "54 years", "female"
DPI = 150


def ivig_course_vs_weight(path: Path) -> None:
    """Course dose (g, whole vials) against actual weight under each weight policy."""
    weights = np.arange(45.0, 150.5, 0.5)
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(weights, 2 * weights, color="0.6", linestyle=":", label="2 g/kg × actual weight (no vial rounding)")
    for policy, colour, name in (("label", "tab:blue", "label: 2 g/kg of actual weight (Octagam 10% PI)"),
                                 ("adjusted", "tab:orange", "adjusted: stewardship (NBA / Lifeblood)")):
        course = [calculate_ivig(Patient(weight=f"{w} kg", height=HEIGHT, age=AGE, sex=SEX), policy=policy).course_dose.to("g").magnitude
                  for w in weights]
        ax.step(weights, course, where="mid", color=colour, label=name)
    ibw = calculate_ivig(Patient(weight="70 kg", height=HEIGHT, age=AGE, sex=SEX), policy="adjusted").ideal_body_weight.to("kg").magnitude
    ax.axvline(ibw, color="0.4", linewidth=0.8)
    ax.annotate(f"IBW {ibw:.1f} kg", (ibw, 40), xytext=(4, 0), textcoords="offset points", fontsize=8, color="0.3")
    ax.set_xlabel("actual body weight (kg)")
    ax.set_ylabel("IVIG per course, 2 days (g, whole vials)")
    ax.set_title(f"IVIG 2 g/kg per course vs weight — woman, {HEIGHT}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    _save(fig, path)


def methotrexate_vs_bsa(path: Path) -> None:
    """Weekly methotrexate against BSA: 15 and 20 mg/m², the 25 mg cap and 2.5 mg tablet steps."""
    bsa = np.linspace(1.2, 2.4, 481)
    fig, ax = plt.subplots(figsize=(8, 5))
    for step in np.arange(STEP_MG, OVERRIDE_CAP_MG + STEP_MG, STEP_MG):
        ax.axhline(step, color="0.9", linewidth=0.8, zorder=0)
    low, high = DOSE_PER_M2_MG
    for per_m2, colour in ((low, "tab:blue"), (high, "tab:green")):
        ax.plot(bsa, bsa * per_m2, color=colour, linestyle=":", linewidth=1)
        ax.step(bsa, weekly_dose_mg_from_bsa(bsa, per_m2), where="post", color=colour, linewidth=2, zorder=3,
                label=f"{per_m2:g} mg/m² × BSA, down to whole 2.5 mg tablets, capped")
    ax.axhline(CAP_MG, color="tab:red", linewidth=1, zorder=4, label=f"cap {CAP_MG:g} mg/week (seed plan)")
    ax.axhline(OVERRIDE_CAP_MG, color="tab:red", linestyle="--", linewidth=1, label=f"{OVERRIDE_CAP_MG:g} mg/week only with a stated reason")
    ax.set_xlabel("body surface area (m², Mosteller)")
    ax.set_ylabel("methotrexate once weekly (mg)")
    ax.set_yticks(np.arange(15, OVERRIDE_CAP_MG + STEP_MG, STEP_MG))
    ax.set_ylim(15, OVERRIDE_CAP_MG + 2)
    ax.set_title("Weekly methotrexate vs BSA (dotted: before rounding; grey lines: 2.5 mg tablet steps)")
    ax.legend(loc="lower right", fontsize=8)
    _save(fig, path)


def ivig_infusion_ramp(path: Path, weight: str = "70 kg") -> None:
    """One infusion day: rate against time, in mL/h and mg/kg/min, following the label ramp."""
    plan = calculate_ivig(Patient(weight=weight, height=HEIGHT, age=AGE, sex=SEX))
    concentration = DEFAULT_PRODUCT.concentration
    starts, rates, per_kg_min = [0.0], [], []
    for step in plan.infusion_steps:
        starts.append(starts[-1] + step.duration.to("hour").magnitude)
        rates.append(step.rate.to("mL/h").magnitude)
        per_kg_min.append((step.rate_per_kg * concentration).to("mg/kg/min").magnitude)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.stairs(rates, starts, fill=True, alpha=0.25, color="tab:blue")
    ax.stairs(rates, starts, color="tab:blue", linewidth=2)
    legend = []
    for number, (start, end, rate, mg) in enumerate(zip(starts, starts[1:], rates, per_kg_min), start=1):
        ax.annotate(str(number), ((start + end) / 2, rate / 2), ha="center", va="center", fontsize=10, fontweight="bold")
        legend.append(f"step {number}: {rate:g} mL/h = {mg:g} mg/kg/min for {_hours(end - start)}")
    # The steps as text in the empty upper left: the first two are too narrow to carry a label.
    ax.text(0.02, 0.96, "\n".join(legend), transform=ax.transAxes, va="top", fontsize=8, family="monospace",
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7"})
    ax.set_xlim(0, starts[-1] * 1.02)
    ax.set_ylim(0, max(rates) * 1.5)
    ax.set_xlabel("hours from the start of the infusion")
    ax.set_ylabel("rate (mL/h)")
    ax.set_title(f"{plan.product} infusion ramp, {fmt(plan.daily_dose)} ({fmt(plan.daily_volume)}) for {weight}: "
                 f"{_hours(starts[-1])} in all")
    ax.grid(True, axis="y", alpha=0.3)
    _save(fig, path)


def _hours(hours: float) -> str:
    # Rounded up: an infusion time is never shown shorter than it is.
    minutes = int(np.ceil(hours * 60 - 1e-6))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    print(path)


FIGURES = {
    "ivig-course-vs-weight.png": ivig_course_vs_weight,
    "methotrexate-vs-bsa.png": methotrexate_vs_bsa,
    "ivig-infusion-ramp.png": ivig_infusion_ramp,
}


def main(out: Path = OUT) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in FIGURES.items():
        draw(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
