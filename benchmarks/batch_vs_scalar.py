"""Batch (numpy) vs scalar path, measured in one run and reported as ratios.

    .venv/bin/python benchmarks/batch_vs_scalar.py [N]   (after the README install)

Ratios, not seconds, are the result: both paths run on the same machine in the
same process, so the ratio says what the batch path buys whatever the machine.
Tests never assert timings; this script is run by hand.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from dosing import Patient
from dosing.batch import batch_bsa, batch_ivig, batch_methotrexate, batch_mycophenolate, batch_rituximab
from dosing.body import body_surface_area
from dosing.drugs.ivig import calculate_ivig
from dosing.drugs.methotrexate import calculate_methotrexate
from dosing.drugs.mycophenolate import calculate_mycophenolate
from dosing.drugs.rituximab import calculate_rituximab
from dosing.units import Quantity


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(n: int) -> None:
    rng = np.random.default_rng(2026)
    kg = rng.uniform(45.0, 140.0, n)
    cm = rng.uniform(153.0, 200.0, n)
    sexes = rng.choice(["female", "male"], n).tolist()
    w, h = Quantity(kg, "kg"), Quantity(cm, "cm")
    patients = [Patient(Quantity(a, "kg"), Quantity(b, "cm"), "50 years", s, "0.8 mg/dL") for a, b, s in zip(kg, cm, sexes)]
    # Mycophenolate: a mixed cohort (children included), given eGFRs (some < 25, some unknown), 1000–1500 mg BID.
    years = rng.uniform(4.0, 85.0, n)
    egfr = [None if e < 10 else f"{e:.1f} mL/min/1.73m**2" for e in rng.uniform(5.0, 120.0, n)]
    doses = rng.choice(["1000 mg", "1250 mg", "1500 mg"], n).tolist()
    a = Quantity(years, "year")
    aged = [Patient(Quantity(w_, "kg"), Quantity(h_, "cm"), Quantity(y, "year"), s) for w_, h_, y, s in zip(kg, cm, years, sexes)]

    cases = {
        "BSA": (lambda: [body_surface_area(p.weight, p.height) for p in patients], lambda: batch_bsa(w, h)),
        "methotrexate (BSA mode)": (
            lambda: [calculate_methotrexate(p, mode="bsa") for p in patients],
            lambda: batch_methotrexate(w, h),
        ),
        "IVIG course": (lambda: [calculate_ivig(p) for p in patients], lambda: batch_ivig(w, h, sexes)),
        "rituximab 375 mg/m² x4": (
            lambda: [calculate_rituximab(p, start_date="2026-01-05") for p in patients],
            lambda: batch_rituximab(w, h),
        ),
        "mycophenolate (MMF BID)": (
            lambda: [calculate_mycophenolate(p, dose_per_administration=d, egfr=e) for p, d, e in zip(aged, doses, egfr)],
            lambda: batch_mycophenolate(w, h, a, dose_per_administration=doses, egfrs=egfr),
        ),
    }
    print(f"{n} patients, best of 3")
    print(f"{'calculation':28} {'scalar/batch':>12}")
    for name, (scalar, batch) in cases.items():
        ratio = timed(scalar) / timed(batch)
        print(f"{name:28} {ratio:>11.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
