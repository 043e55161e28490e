"""verify() throughput and cold start: the baseline commit and the current tree, side by side, in one run.

    .venv/bin/python benchmarks/throughput.py [--orders N] [--baseline COMMIT]   (after the README install)

Installs nothing. The baseline (default 3120719, the commit issue 8 measured) is
checked out into a temporary git worktree and imported from there by the same
interpreter and venv, so both run the same orders in the same process model
(one process, one core). It prints orders per second for each and their ratio,
and the cold-start wall time of `dmdose verify examples/order.json` for each
against `python -c "import pint"`. Ratios, not seconds, are the result: both
sides share the machine and the run. Tests never assert timings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "3120719"

# One verify() per request, on the shipped seed-plan requests that both the
# baseline and the current code read (the baseline does not know every product
# name the current drug table does), so the comparison is like for like.
_PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from dosing import verify
requests = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
readable = []
for i, r in enumerate(requests):
    try:
        verify(r["order"], r["patient"], r.get("current_medications", []))
    except Exception:
        continue
    readable.append(i)
print(json.dumps({"readable": readable}))
"""

_TIMER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import dosing
assert dosing.__file__.startswith(sys.argv[1]), dosing.__file__
from dosing import verify
requests = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
requests = [requests[int(i)] for i in sys.argv[4].split(",")]
n = int(sys.argv[3])
for r in requests:  # warm caches (rule files, unit registry) outside the timed loop
    verify(r["order"], r["patient"], r.get("current_medications", []))
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    for i in range(n):
        r = requests[i % len(requests)]
        verify(r["order"], r["patient"], r.get("current_medications", []))
    best = min(best, time.perf_counter() - start)
print(json.dumps({"orders_per_s": n / best}))
"""

_CLI = r"""
import sys
sys.path.insert(0, sys.argv[1])
sys.argv = ["dmdose", "verify", sys.argv[2]]
from dosing.cli import main
raise SystemExit(main())
"""


def _run_json(args: list[str]) -> dict:
    out = subprocess.run(args, capture_output=True, text=True, check=False, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _walls(commands: dict[str, list[str]], repeat: int, pycache: str) -> dict[str, float]:
    """Median wall time of each command, the commands taking turns run after run (a load that comes
    and goes then falls on all of them alike)."""
    # Bytecode goes to a temporary prefix (neither tree is written to), and one untimed
    # run fills it, as an installed package has its .pyc files: otherwise every timed
    # run would recompile the baseline worktree, which never had any.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    for args in commands.values():
        subprocess.run(args, capture_output=True, check=False, env=env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, args in commands.items():
            start = time.perf_counter()
            subprocess.run(args, capture_output=True, check=False, env=env)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--repeat", type=int, default=11, help="cold-start runs per command, taking turns (median)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds per side (best kept)")
    args = parser.parse_args()
    requests = ROOT / "examples" / "seed-plan.jsonl"
    order = ROOT / "examples" / "order.json"
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.baseline], check=True, capture_output=True)
        try:
            sides = {"baseline": str(tree), "current": str(ROOT)}
            readable = [set(_run_json([sys.executable, "-c", _PROBE, path, str(requests)])["readable"]) for path in sides.values()]
            common = ",".join(str(i) for i in sorted(set.intersection(*readable)))
            if not common:
                raise SystemExit("no seed-plan request is read by both sides")
            # Rounds alternate the two sides, and each side keeps its best round: a load that comes and goes
            # on a shared machine then slows both alike instead of whichever side happened to run under it.
            rate = dict.fromkeys(sides, 0.0)
            for _ in range(args.rounds):
                for name, path in sides.items():
                    measured = _run_json([sys.executable, "-c", _TIMER, path, str(requests), str(args.orders), common])["orders_per_s"]
                    rate[name] = max(rate[name], measured)
            pycache = str(Path(tmp) / "pycache")
            commands = {"pint": [sys.executable, "-c", "import pint"]}
            commands.update({name: [sys.executable, "-c", _CLI, path, str(order)] for name, path in sides.items()})
            cold = _walls(commands, args.repeat, pycache)
            pint_s = cold.pop("pint")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False, capture_output=True)
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)")
    print(f"verify() throughput, {args.orders} seed-plan orders (requests {common}, read by both sides), one process, best of {args.rounds} alternating rounds:")
    for name in sides:
        print(f"  {name:9s} {rate[name]:9.0f} orders/s")
    print(f"  ratio current/baseline: {rate['current'] / rate['baseline']:.1f}x  (goal >= 20x)")
    print("cold start, `dmdose verify examples/order.json` (median wall time):")
    for name in sides:
        print(f"  {name:9s} {cold[name] * 1000:7.0f} ms = {cold[name] / pint_s:.2f}x `python -c 'import pint'` ({pint_s * 1000:.0f} ms)  (goal <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
