"""The CDS Hooks service, tested against the REAL server (`dmdose serve` in a subprocess on a loopback port)."""

from __future__ import annotations

import base64
import copy
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("starlette")
pytest.importorskip("fhir.resources")

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    audit = tmp_path_factory.mktemp("audit") / "feedback.jsonl"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dosing.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--audit-log", str(audit)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/cds-services", timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"server did not start: {proc.stderr.read().decode()}")
            time.sleep(0.2)
    with httpx.Client(base_url=base, timeout=20) as client:
        client.audit = audit
        yield client
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def hook_request(*drafts: dict, hook: str = "order-sign", medications: str = "medications.json",
                 conditions: str = "conditions.json", prefetch: bool = True) -> dict:
    body = {
        "hook": hook,
        "hookInstance": "d1454d8e-3f4c-4e5b-9d0a-1c6e6f0a0001",
        "context": {
            "userId": "Practitioner/1",
            "patientId": "pt1",
            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": d} for d in drafts]},
        },
    }
    if hook == "order-select":
        body["context"]["selections"] = [f"MedicationRequest/{d['id']}" for d in drafts]
    if prefetch:
        body["prefetch"] = {
            "patient": load("patient.json"),
            "observations": load("observations.json"),
            "conditions": load(conditions),
            "medications": load(medications),
        }
    return body


def sign(server, *drafts, service="dmdose-order-sign", **kwargs) -> list[dict]:
    response = server.post(f"/cds-services/{service}", json=hook_request(*drafts, **kwargs))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["extension"]["dmdose"]["dmdose_version"]
    return body["cards"]


def critical(cards):
    return [c for c in cards if c["indicator"] == "critical"]


# --- discovery ---------------------------------------------------------------------------


def test_discovery_lists_order_select_and_order_sign_with_the_four_prefetch_keys(server):
    services = server.get("/cds-services").json()["services"]
    assert sorted(s["hook"] for s in services) == ["order-select", "order-sign"]
    for service in services:
        assert set(service["prefetch"]) == {"patient", "observations", "conditions", "medications"}
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert service["prefetch"]["medications"] == "MedicationRequest?patient={{context.patientId}}&status=active"


# --- order-sign for the plan's drugs -------------------------------------------------------


@pytest.mark.parametrize("draft", ["draft_methotrexate_weekly.json", "draft_ivig.json", "draft_mycophenolate.json", "draft_prednisone.json"])
def test_allowed_orders_give_no_critical_card(server, draft):
    cards = sign(server, load(draft))
    assert not critical(cards), [c["summary"] for c in cards]
    for card in cards:
        assert len(card["summary"]) < 140
        assert card["indicator"] in ("info", "warning")


@pytest.mark.parametrize(("draft", "medications", "conditions", "rule"), [
    ("draft_etanercept.json", "medications.json", "conditions.json", "interactions.etanercept-dermatomyositis"),
    ("draft_methotrexate_daily.json", "medications.json", "conditions.json", "mtx.not-weekly"),
    ("draft_methotrexate_weekly.json", "medications_bactrim.json", "conditions.json", "interactions.mtx-antifolate-antibiotic"),
    ("draft_mycophenolate.json", "medications_azathioprine.json", "conditions.json", "interactions.mycophenolate-azathioprine"),
    ("draft_tocilizumab.json", "medications.json", "conditions_diverticulitis.json", None),
])
def test_forbidden_orders_give_a_critical_card_with_override_reasons(server, draft, medications, conditions, rule):
    cards = sign(server, load(draft), medications=medications, conditions=conditions)
    crit = critical(cards)
    assert crit, [c["summary"] for c in cards]
    if rule:
        assert rule in {c["extension"]["dmdose"]["rule_id"] for c in crit}
    for card in crit:
        assert card["overrideReasons"] and all({"system", "code", "display"} <= set(r) for r in card["overrideReasons"])
        assert card["source"]["label"]
        assert len(card["summary"]) < 140


def test_resolved_diverticulitis_is_not_read_so_the_il6_inhibitor_is_not_blocked(server):
    # conditions.json holds a *resolved* diverticulitis: only active conditions count.
    assert not critical(sign(server, load("draft_tocilizumab.json")))


def test_drafts_signed_together_are_checked_against_each_other(server):
    aza = load("draft_mycophenolate.json")
    aza.update(id="d2", medicationCodeableConcept={"text": "azathioprine"})
    cards = sign(server, load("draft_mycophenolate.json"), aza)
    assert critical(cards)


def test_overdose_card_suggests_the_recommended_dose_as_an_update_of_the_draft(server):
    draft = load("draft_methotrexate_overdose.json")
    cards = sign(server, draft)
    with_suggestion = [c for c in cards if c.get("suggestions")]
    assert with_suggestion, [c["summary"] for c in cards]
    action = with_suggestion[0]["suggestions"][0]["actions"][0]
    assert action["type"] == "update"
    resource = action["resource"]
    assert resource["id"] == draft["id"] and resource["resourceType"] == "MedicationRequest"
    dose = resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert dose["code"] == "mg" and dose["value"] < 40
    from fhir.resources.R4B.medicationrequest import MedicationRequest

    MedicationRequest.model_validate(resource)  # still valid FHIR R4


def test_order_select_answers_for_the_selected_order(server):
    cards = sign(server, load("draft_etanercept.json"), service="dmdose-order-select", hook="order-select")
    assert critical(cards)


def test_detail_carries_the_arithmetic(server):
    cards = sign(server, load("draft_ivig.json"))
    assert any("Dosing weight" in c["detail"] for c in cards)


# --- orders that cannot be verified ------------------------------------------------------


def not_verified(cards) -> bool:
    return len(cards) >= 1 and all(c["indicator"] == "warning" and "NOT verified" in c["summary"] for c in cards)


def test_missing_prefetch_gives_a_not_verified_warning_naming_it(server):
    cards = sign(server, load("draft_methotrexate_weekly.json"), prefetch=False)
    assert not_verified(cards)
    assert "observations" in cards[0]["summary"] + cards[0]["detail"]


def test_dose_without_unit_gives_a_not_verified_warning_naming_the_fhir_path(server):
    cards = sign(server, load("draft_no_unit.json"))
    assert not_verified(cards)
    assert "doseQuantity.code" in cards[0]["detail"]


def test_unknown_drug_gives_a_not_verified_warning(server):
    draft = load("draft_methotrexate_weekly.json")
    draft["medicationCodeableConcept"] = {"text": "zzzqqq unknownium"}
    assert not_verified(sign(server, draft))


def test_no_body_weight_gives_a_not_verified_warning(server):
    body = hook_request(load("draft_ivig.json"))
    body["prefetch"]["observations"]["entry"] = [
        e for e in body["prefetch"]["observations"]["entry"] if e["resource"]["code"]["coding"][0]["code"] != "29463-7"
    ]
    cards = server.post("/cds-services/dmdose-order-sign", json=body).json()["cards"]
    assert not_verified(cards) and "weight" in cards[0]["summary"]


# --- malformed requests ----------------------------------------------------------------


@pytest.mark.parametrize("content", [b"not json", b"{", b"[]", b"{}", b'{"hook": "order-sign"}', b"\xff\xfe"])
def test_malformed_requests_are_400_with_a_json_error(server, content):
    response = server.post("/cds-services/dmdose-order-sign", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"parameter", "problem"}


def test_wrong_hook_for_the_service_is_400(server):
    body = hook_request(load("draft_etanercept.json"), hook="order-select")
    assert server.post("/cds-services/dmdose-order-sign", json=body).status_code == 400


def test_unknown_service_is_404_json(server):
    response = server.post("/cds-services/nope", json=hook_request(load("draft_etanercept.json")))
    assert response.status_code == 404 and "error" in response.json()


def test_too_large_request_is_413(server):
    response = server.post("/cds-services/dmdose-order-sign", content=b"[" + b" " * (1 << 20) + b"]",
                           headers={"content-type": "application/json"})
    assert response.status_code == 413 and "error" in response.json()


# --- feedback ------------------------------------------------------------------------


def _jwt(sub: str) -> str:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none'})}.{part({'sub': sub})}.sig"


def test_feedback_is_appended_to_the_audit_log_with_user_reason_and_time(server):
    card = critical(sign(server, load("draft_etanercept.json")))[0]
    reason = card["overrideReasons"][1]
    payload = {"feedback": [{"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2025-05-02T10:00:00Z",
                             "overrideReason": {"reason": reason, "userComment": "rheumatology agreed"}}]}
    response = server.post("/cds-services/dmdose-order-sign/feedback", json=payload,
                           headers={"Authorization": f"Bearer {_jwt('Practitioner/42')}"})
    assert response.status_code == 200, response.text
    server.post("/cds-services/dmdose-order-sign/feedback", json={"feedback": [{"card": "x", "outcome": "accepted"}]})
    lines = [json.loads(line) for line in server.audit.read_text(encoding="utf-8").splitlines()]
    first = next(r for r in lines if r["card"] == card["uuid"])
    assert first["outcome"] == "overridden" and first["user"] == "Practitioner/42"
    assert first["override_reason"]["code"] == reason["code"] and first["user_comment"] == "rheumatology agreed"
    assert first["time"] and first["dmdose_version"] and first["knowledge_hash"]
    assert next(r for r in lines if r["card"] == "x")["user"] == "unknown"


def test_bad_feedback_is_400(server):
    assert server.post("/cds-services/dmdose-order-sign/feedback", json={"feedback": [{"outcome": "maybe"}]}).status_code == 400


# --- /verify -----------------------------------------------------------------------------


def test_verify_endpoint_returns_the_verdict_json(server):
    request = json.loads((ROOT / "examples" / "order.json").read_text(encoding="utf-8"))
    response = server.post("/verify", json=request)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["status"] in ("ok", "warn", "block") and verdict["findings"] is not None


def test_verify_endpoint_bad_input_is_400_naming_the_parameter(server):
    request = json.loads((ROOT / "examples" / "order.json").read_text(encoding="utf-8"))
    bad = copy.deepcopy(request)
    bad["order"]["dose"] = "1 banana"
    response = server.post("/verify", json=bad)
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "dose"
    assert server.post("/verify", content=b"nope").status_code == 400


# --- fuzzing from the OpenAPI description (in-process ASGI, small budget) -------------------

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings

from dosing.service import create_app

_schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@_schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_gives_a_server_error(case):
    response = case.call()
    assert response.status_code < 500, response.text
