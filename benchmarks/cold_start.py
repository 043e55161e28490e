"""Cold start of ``dmdose verify ORDER.json`` as a ratio to ``python -c "import pint"`` (issue 8: goal ≤ 1.5×).

Installs nothing. Each command is run ``--runs`` times in a fresh interpreter; the
median wall time is reported. A third line shows the same verify run with pint's
registry cache switched on from outside (``UnitRegistry(cache_folder=":auto:")``),
which is the change proposed for dosing/units.py, so its gain can be measured
before it is made.

    python benchmarks/cold_start.py [ORDER.json] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CACHED = (
    "import functools, sys, pint; "
    "pint.UnitRegistry = functools.partial(pint.UnitRegistry, cache_folder=':auto:'); "
    "from dosing.cli import main; sys.exit(main(['verify', sys.argv[1]]))"
)


def wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        if result.returncode not in (0, 1, 2):
            raise SystemExit(f"{' '.join(command)} exited {result.returncode}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("order", nargs="?", default=str(ROOT / "examples" / "order.json"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    # One untimed run of each, so the pint cache exists and the OS file cache is warm.
    wall([python, "-c", CACHED, args.order], 1)
    pint_s = wall([python, "-c", "import pint"], args.runs)
    verify_s = wall([python, "-m", "dosing.cli", "verify", args.order], args.runs)
    cached_s = wall([python, "-c", CACHED, args.order], args.runs)
    print(f"python -c 'import pint'          {pint_s * 1000:7.0f} ms")
    print(f"dmdose verify (as is)            {verify_s * 1000:7.0f} ms   ratio {verify_s / pint_s:.2f}x")
    print(f"dmdose verify (pint cache on)    {cached_s * 1000:7.0f} ms   ratio {cached_s / pint_s:.2f}x   (goal <= 1.5x)")


if __name__ == "__main__":
    main()
