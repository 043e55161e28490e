"""order-sign latency of the running CDS Hooks service: one draft order with full prefetch.

    .venv/bin/python benchmarks/cds_latency.py [--requests 300] [--url http://127.0.0.1:PORT]

Without --url it starts `dmdose serve` on a free loopback port and stops it at the end.
Goal (issue 9): p99 under 50 ms on the 2-core machine. Measured per request over HTTP
keep-alive (httpx), after 20 warm-up requests.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "fhir"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def request_body() -> dict:
    return {
        "hook": "order-sign",
        "hookInstance": "bench",
        "context": {"patientId": "pt1", "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                                        "entry": [{"resource": load("draft_methotrexate_weekly.json")}]}},
        "prefetch": {"patient": load("patient.json"), "observations": load("observations.json"),
                     "conditions": load("conditions.json"), "medications": load("medications.json")},
    }


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "dosing.cli", "serve", "--port", str(port)], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            httpx.get(url + "/cds-services", timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--url")
    args = parser.parse_args()
    proc, url = (None, args.url) if args.url else start_server()
    body = json.dumps(request_body()).encode()
    try:
        with httpx.Client(base_url=url, headers={"content-type": "application/json"}) as client:
            for _ in range(20):
                client.post("/cds-services/dmdose-order-sign", content=body).raise_for_status()
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                response = client.post("/cds-services/dmdose-order-sign", content=body)
                times.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
    p99 = percentile(times, 99)
    print(f"order-sign, 1 draft order, full prefetch, {args.requests} requests: "
          f"median {statistics.median(times):.1f} ms, p99 {p99:.1f} ms, max {max(times):.1f} ms (goal p99 < 50 ms)")
    return 0 if p99 < 50 else 1


if __name__ == "__main__":
    sys.exit(main())
