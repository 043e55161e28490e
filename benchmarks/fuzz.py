"""Fuzz dmdose for N minutes: the API and the CLI's JSON-lines reader, in-process for speed.

    python benchmarks/fuzz.py --minutes 3 [--seed 1] [--batch 50]

Every generated input goes through ``dosing.verify`` (one order) or through the
``dmdose verify`` reader and per-line verification (a JSON-lines batch). Counted:
- crash: anything but a Verdict or a DoseInputError came out (type and a sample kept);
- hang: one order took over 1 s (SIGALRM; the input is interrupted and counted);
- malformed accepted: an input built to be refused (two amounts, a unit alone, pint
  constants and operators, invisible characters, non-ASCII digits...) got a verdict;
- lines in vs out: in every batch, non-blank input lines = reported records.
Installs nothing; exits 1 if any crash, hang, malformed acceptance or line mismatch.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dosing import verify  # noqa: E402
from dosing.cli import verify as cli_verify  # noqa: E402
from dosing.units import DoseInputError  # noqa: E402

HANG_S = 1.0
BASE_ORDERS = [
    {"drug": "methotrexate", "dose": "20 mg", "frequency": "weekly", "route": "subcutaneous"},
    {"drug": "prednisone", "dose": "5 mg", "frequency": "daily", "route": "oral"},
    {"drug": "Octagam", "dose": "1 g/kg", "frequency": "daily for 2 days every 4 weeks", "route": "IV", "start_date": "2026-12-01"},
    {"drug": "hydroxychloroquine", "dose": "200 mg", "frequency": "BID", "route": "oral"},
    {"drug": "mycophenolate mofetil", "dose": "1000 mg", "frequency": "BID", "route": "oral"},
    {"drug": "rituximab", "dose": "1000 mg", "frequency": "days 1 and 15", "route": "IV", "start_date": "2026-12-01"},
]
BASE_PATIENT = {"weight": "150 lb", "height": "5 ft 5 in", "age": "54 years", "sex": "female", "serum_creatinine": "0.8 mg/dL"}
QUANTITY_FIELDS = {("order", "dose"): "mg", ("patient", "weight"): "kg", ("patient", "height"): "cm",
                   ("patient", "age"): "years", ("patient", "serum_creatinine"): "mg/dL"}

INVISIBLE = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e"]
NON_ASCII_DIGITS = ["٢", "۵", "५", "১", "๓", "２"]
# Templates that must be refused whatever the number; {n} a plausible number, {u} a unit.
MALFORMED = [
    "{n} {u} {n} {u}", "{u}", "{n} pi {u}", "{n} {u} ± 5", "{n} {u} | x", "{n} {u} # note", "{n} ½ {u}",
    "{a}{inv}{b} {u}", "−{n} {u}", "{n}**{n}**{n} {u}", "{n}^{n} {u}", "10**10**10 {u}", "{n}e{n}{n}{n} {u}",
    "{n} {u} + {n} {u}", "{n}{digit} {u}", "{digit}{n} {u}", "{n} {u}{inv}{n}", "({n}) {u}", "{n} {u}*{n}",
    "{n} {u} {u}", "{n}/{n} {u}", "0{n} {u}", "{n} π {u}", "{n} E {u}", "{n} {u}; {n} {u}", "{n} {u}\x00",
]
WILD_VALUES = [None, True, False, 0, -1, 1e308, -1e308, 10**30, 1.5, [], {}, ["x"], {"a": 1}, "", " ", "\x00",
               "9999-12-31", "0001-01-01", "2026-02-30", "nan mg", "inf mg", "1e999 mg", "1" * 400 + " mg", "mg" * 200]
WILD_FREQUENCIES = ["every 365000 days", "days 1 and ٢15", "QD", "q.o.d.", "daily x 99999 days", "every 0 days",
                    "weekly x -4", "twice weekly", "every Monday", "" , "x" * 499]


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def number(rng: random.Random) -> str:
    return rng.choice([str(rng.randint(1, 500)), f"{rng.uniform(0.1, 300):.{rng.randint(0, 3)}f}"])


def malformed(rng: random.Random, unit: str) -> str:
    template = rng.choice(MALFORMED)
    digits = str(rng.randint(10, 999))
    cut = rng.randint(1, len(digits) - 1)
    return template.format(n=number(rng), u=unit, inv=rng.choice(INVISIBLE), digit=rng.choice(NON_ASCII_DIGITS),
                           a=digits[:cut], b=digits[cut:])


def random_text(rng: random.Random) -> str:
    alphabet = "0123456789 .,-+*/^()eE'\"mgkLlbcinftyears/" + "".join(INVISIBLE) + "".join(NON_ASCII_DIGITS) + "µ²½−π±|#\\{}[]"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))


def generate(rng: random.Random) -> tuple[dict, bool]:
    """(request, must_be_refused); the request's "what" key (removed before use) says what was changed."""
    order = dict(rng.choice(BASE_ORDERS))
    patient = dict(BASE_PATIENT)
    meds: object = rng.choice([[], ["Bactrim"], ["folic acid", "prednisone"]])
    roll = rng.random()
    must_refuse = False
    if roll < 0.45:
        (kind, field), unit = rng.choice(list(QUANTITY_FIELDS.items()))
        target = order if kind == "order" else patient
        target[field] = malformed(rng, unit if rng.random() < 0.8 else rng.choice(["mg", "g", "kg", "lb", "cm", "mg/kg"]))
        must_refuse = True
        return {"order": order, "patient": patient, "current_medications": meds, "what": f"{kind}.{field}={target[field]!r}"}, True
    elif roll < 0.65:
        target = rng.choice([order, patient])
        target[rng.choice(list(target))] = random_text(rng)
    elif roll < 0.8:
        target = rng.choice([order, patient])
        target[rng.choice(list(target) + ["start_date", "conditions", "nonsense"])] = rng.choice(WILD_VALUES)
    elif roll < 0.9:
        order["frequency"] = rng.choice(WILD_FREQUENCIES)
    else:
        meds = rng.choice([{"Bactrim": False}, "Bactrim", [None], ["Вactrim"], ["x" * 600], [random_text(rng)], list(range(3))])
        must_refuse = isinstance(meds, (dict, str)) or (isinstance(meds, list) and any(not isinstance(m, str) for m in meds))
    what = f"current_medications={meds!r}"
    return {"order": order, "patient": patient, "current_medications": meds, "what": what}, must_refuse


class Counts:
    def __init__(self):
        self.c = collections.Counter()
        self.crash_types = collections.Counter()
        self.samples: dict[str, object] = {}

    def crash(self, label: str, exc: BaseException, sample: object) -> None:
        key = f"{label}: {type(exc).__name__}: {str(exc)[:80]}"
        self.crash_types[key] += 1
        self.samples.setdefault(key, sample)


def fuzz_api(rng: random.Random, counts: Counts) -> None:
    request, must_refuse = generate(rng)
    what = request.pop("what", None)
    counts.c["api inputs"] += 1
    signal.setitimer(signal.ITIMER_REAL, HANG_S)
    try:
        verdict = verify(request["order"], request["patient"], request["current_medications"])
    except DoseInputError:
        counts.c["api refused"] += 1
        return
    except Hang:
        counts.c["hangs"] += 1
        counts.samples.setdefault(f"hang {counts.c['hangs']}", request)
        return
    except Exception as exc:  # noqa: BLE001 — that is what is counted
        counts.c["crashes"] += 1
        counts.crash("api", exc, request)
        return
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    counts.c["api verdicts"] += 1
    if must_refuse:
        counts.c["malformed accepted"] += 1
        key = f"malformed accepted ({verdict.status.value})"
        counts.crash_types[key] += 1
        counts.samples.setdefault(f"{key} {counts.crash_types[key] % 8}", f"{what} on {request['order']['drug']}")


def _request(rng: random.Random) -> dict:
    request = generate(rng)[0]
    request.pop("what", None)
    return request


def batch_lines(rng: random.Random, size: int) -> list[bytes]:
    lines = [json.dumps(_request(rng)).encode()]  # a readable first line: JSON-lines mode
    for _ in range(size - 1):
        roll = rng.random()
        if roll < 0.6:
            lines.append(json.dumps(_request(rng), ensure_ascii=rng.random() < 0.5).encode())
        elif roll < 0.7:
            lines.append(json.dumps({**_request(rng), "note": "a\u2028b\u0085c\u2029"}, ensure_ascii=False).encode())
        elif roll < 0.8:
            lines.append(bytes(rng.randrange(256) for _ in range(rng.randint(1, 80))).replace(b"\n", b""))
        elif roll < 0.85:
            lines.append(b"[" * rng.randint(10, 3000) + b"]" * rng.randint(0, 10))
        elif roll < 0.9:
            lines.append(b"")
        elif roll < 0.95:
            text = json.dumps(_request(rng))
            lines.append(text[: rng.randint(1, len(text))].encode())
        else:
            lines.append(b'{"order": 1, "order": 2, "n": ' + b"9" * rng.randint(1, 6000) + b"}")
    return lines


def fuzz_batch(rng: random.Random, counts: Counts, size: int) -> None:
    lines = batch_lines(rng, size)
    data = rng.choice([b"\n", b"\r\n"]).join(lines)
    expected = sum(1 for line in data.split(b"\n") if line.strip())
    options = cli_verify.Options(json=True, many=True, ascii=True)
    reported = 0
    signal.setitimer(signal.ITIMER_REAL, HANG_S * size)
    try:
        for record in cli_verify.iter_records(io.BytesIO(data)):
            outcome = cli_verify.outcome_of(*cli_verify._item(record), options)
            json.loads(outcome.out)
            reported += 1
            if outcome.category == "internal":
                counts.c["crashes"] += 1
                counts.crash("cli line", RuntimeError(outcome.out[:200]), lines[record.number - 1][:300])
    except Hang:
        counts.c["hangs"] += 1
        counts.samples.setdefault(f"hang batch {counts.c['hangs']}", data[:500])
    except Exception as exc:  # noqa: BLE001
        counts.c["crashes"] += 1
        counts.crash("cli reader", exc, data[:500])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    counts.c["cli batches"] += 1
    counts.c["cli lines in"] += expected
    counts.c["cli lines out"] += reported
    if reported != expected:
        counts.c["batches with lines lost"] += 1
        counts.samples.setdefault(f"lines {expected} in, {reported} out", data[:500])


def run(seed: int, minutes: float, batch: int, batch_share: float) -> Counts:
    """One process's share of the run."""
    rng = random.Random(seed)
    signal.signal(signal.SIGALRM, _alarm)
    counts = Counts()
    for order in BASE_ORDERS:  # warm up: tables load on first use, which is not a hang
        verify(order, BASE_PATIENT, [])
    deadline = time.monotonic() + minutes * 60
    with contextlib.redirect_stderr(io.StringIO()):
        while time.monotonic() < deadline:
            for _ in range(50):
                if rng.random() < batch_share:
                    fuzz_batch(rng, counts, batch)
                else:
                    fuzz_api(rng, counts)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=1, help="processes, each with its own seed (seed, seed+1, ...)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=50, help="lines per JSON-lines batch")
    parser.add_argument("--batch-share", type=float, default=0.02, help="share of rounds that run a CLI batch")
    args = parser.parse_args()
    started = time.monotonic()
    if args.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.jobs) as pool:
            parts = list(pool.map(run, [args.seed + i for i in range(args.jobs)], *zip(*[(args.minutes, args.batch, args.batch_share)] * args.jobs)))
    else:
        parts = [run(args.seed, args.minutes, args.batch, args.batch_share)]
    counts = Counts()
    for part in parts:
        counts.c.update(part.c)
        counts.crash_types.update(part.crash_types)
        for key, sample in part.samples.items():
            counts.samples.setdefault(key, sample)
    elapsed = time.monotonic() - started
    c = counts.c
    total = c["api inputs"] + c["cli lines in"]
    print(f"{elapsed:.0f} s, seed {args.seed}: {total} generated inputs ({c['api inputs']} API orders, "
          f"{c['cli lines in']} JSON lines in {c['cli batches']} batches)")
    print(f"  API: {c['api verdicts']} verdicts, {c['api refused']} refused")
    print(f"  crashes {c['crashes']}, hangs (> {HANG_S:g} s) {c['hangs']}, malformed accepted {c['malformed accepted']}")
    print(f"  CLI lines in {c['cli lines in']}, reported {c['cli lines out']}, batches with lines lost {c['batches with lines lost']}")
    for key, n in counts.crash_types.most_common(25):
        print(f"  {n:6d}  {key}")
    for key, sample in list(counts.samples.items())[:40]:
        print(f"  sample [{key}]: {str(sample)[:300]}")
    bad = c["crashes"] or c["hangs"] or c["malformed accepted"] or c["batches with lines lost"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
