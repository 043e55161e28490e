"""The dmdose CDS Hooks 2.0 service (Starlette ASGI app): discovery, order-select / order-sign, feedback, /verify.

Never answers an order with silence: an order that cannot be read, or whose
patient data are missing, gets a warning card saying it was NOT verified and why.
No input gives a 5xx: bad requests are 400 (or 413 when too large) with a JSON error.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from dosing.api import verify
from dosing.input import fhir
from dosing.input.request import MAX_REQUEST_BYTES, parse_request
from dosing.patient import Patient
from dosing.service import cards as render
from dosing.units import DoseInputError

__all__ = ["PREFETCH", "SERVICES", "create_app", "discovery_document", "jwt_subject"]

log = logging.getLogger("dmdose.service")

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}&code=http://loinc.org|29463-7,http://loinc.org|8302-2,"
    "http://loinc.org|2160-0&_sort=-date",
    "conditions": "Condition?patient={{context.patientId}}&clinical-status=active",
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active",
}
SERVICES = {
    "dmdose-order-select": "order-select",
    "dmdose-order-sign": "order-sign",
}
FETCH_TIMEOUT_S = 3.0  # a CDS service answers within the EHR's budget; a slow FHIR server means "not verified"
MAX_DRAFT_ORDERS = 50


class BadRequest(Exception):
    def __init__(self, status: int, problem: str, parameter: str = "request"):
        super().__init__(problem)
        self.status, self.problem, self.parameter = status, problem, parameter


def error(status: int, problem: str, parameter: str = "request") -> JSONResponse:
    return JSONResponse({"error": {"parameter": parameter, "problem": problem}}, status_code=status)


async def _body_bytes(request: Request) -> bytes:
    """The request body, bounded to MAX_REQUEST_BYTES before it is all read."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise BadRequest(413, f"request body of {declared} bytes; at most {MAX_REQUEST_BYTES} (1 MiB)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise BadRequest(413, f"request body over {MAX_REQUEST_BYTES} bytes (1 MiB)")
        chunks.append(chunk)
    return b"".join(chunks)


async def _body_json(request: Request) -> object:
    raw = await _body_bytes(request)
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BadRequest(400, "the body is not UTF-8 JSON") from None
    try:
        # CDS Hooks bundles nest deeper than dmdose's own requests: only the size bound applies here.
        return json.loads(text, parse_constant=_no_constant)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise BadRequest(400, f"not valid JSON: {exc}") from None


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


# --- discovery --------------------------------------------------------------------------


def discovery_document() -> dict[str, Any]:
    return {
        "services": [
            {
                "hook": hook,
                "id": service_id,
                "title": f"dmdose dose and interaction check ({hook})",
                "description": "Verifies draft MedicationRequests for refractory dermatomyositis therapy: dose arithmetic, "
                "schedule, interactions and patient contraindications.",
                "prefetch": dict(PREFETCH),
            }
            for service_id, hook in SERVICES.items()
        ]
    }


async def discovery(request: Request) -> JSONResponse:
    return JSONResponse(discovery_document())


# --- the hook ---------------------------------------------------------------------------


def _cds_request(data: object, service_id: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise BadRequest(400, "a CDS Hooks request is a JSON object")
    for key in ("hook", "hookInstance", "context"):
        if key not in data:
            raise BadRequest(400, f"not a CDS Hooks request: no {key!r}", key)
    if not isinstance(data["hook"], str) or not isinstance(data["hookInstance"], str):
        raise BadRequest(400, "hook and hookInstance must be strings", "hook")
    if data["hook"] != SERVICES[service_id]:
        raise BadRequest(400, f"service {service_id!r} answers hook {SERVICES[service_id]!r}, not {data['hook']!r}", "hook")
    context = data["context"]
    if not isinstance(context, Mapping):
        raise BadRequest(400, "context must be an object", "context")
    drafts = context.get("draftOrders")
    if not isinstance(drafts, Mapping) or drafts.get("resourceType") != "Bundle":
        raise BadRequest(400, "context.draftOrders must be a FHIR Bundle of MedicationRequest", "context.draftOrders")
    for key in ("prefetch", "fhirAuthorization"):
        if data.get(key) is not None and not isinstance(data[key], Mapping):
            raise BadRequest(400, f"{key} must be an object", key)
    return data


def _drafts(context: Mapping[str, Any]) -> list[tuple[str, Mapping[str, object]]]:
    try:
        drafts = fhir.resources_of(context["draftOrders"], "MedicationRequest", "context.draftOrders")
    except DoseInputError as exc:
        raise BadRequest(400, exc.problem, exc.parameter) from None
    if len(drafts) > MAX_DRAFT_ORDERS:
        raise BadRequest(400, f"{len(drafts)} draft orders; at most {MAX_DRAFT_ORDERS}", "context.draftOrders")
    selections = context.get("selections")
    if isinstance(selections, list) and selections:
        chosen = {s for s in selections if isinstance(s, str)}
        drafts = [(p, d) for p, d in drafts if f"MedicationRequest/{d.get('id')}" in chosen] or drafts
    return drafts


async def _prefetch(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The four prefetch keys, fetched from fhirServer when missing and an authorization is given; and what is still missing."""
    given = dict(data.get("prefetch") or {})
    missing = [key for key in PREFETCH if given.get(key) is None]
    server, auth = data.get("fhirServer"), data.get("fhirAuthorization")
    patient_id = data["context"].get("patientId")
    if (
        missing and isinstance(server, str) and server.startswith(("https://", "http://")) and isinstance(auth, Mapping)
        and isinstance(auth.get("access_token"), str) and isinstance(patient_id, str) and patient_id
    ):
        headers = {"Authorization": f"Bearer {auth['access_token']}", "Accept": "application/fhir+json"}
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_S, headers=headers) as client:
            for key in list(missing):
                url = server.rstrip("/") + "/" + PREFETCH[key].replace("{{context.patientId}}", patient_id)
                try:
                    response = await client.get(url)
                    if response.status_code == 200:
                        given[key] = response.json()
                        missing.remove(key)
                except (httpx.HTTPError, ValueError) as exc:
                    log.warning("prefetch %s from the FHIR server failed: %s", key, exc)
    return given, missing


def _order_cards(path: str, draft: Mapping[str, object], patient: Patient, medications: list[str]) -> list[dict[str, Any]]:
    drug = None
    try:
        read = fhir.read_medication_request(draft, path)
        drug = read.order.drug
        verdict = verify(read.order, patient, medications)
    except DoseInputError as exc:
        return [render.not_verified_card(exc.problem, exc.parameter, drug)]
    except Exception as exc:
        log.exception("internal error verifying %s", path)
        return [render.not_verified_card(f"internal error ({type(exc).__name__}); nothing was checked", path, drug)]
    cards = render.verdict_cards(verdict, order_dose=read.order.dose, draft=draft)
    for card in cards:
        card.setdefault("extension", {}).setdefault("dmdose", {})["draft"] = path
    return cards


async def hook(request: Request) -> JSONResponse:
    service_id = request.path_params["service_id"]
    if service_id not in SERVICES:
        return error(404, f"no CDS service {service_id!r}; see GET /cds-services", "service")
    try:
        data = _cds_request(await _body_json(request), service_id)
        drafts = _drafts(data["context"])
    except BadRequest as exc:
        return error(exc.status, exc.problem, exc.parameter)
    prefetch, missing = await _prefetch(data)
    if not drafts:
        return _cards([render.not_verified_card("context.draftOrders holds no MedicationRequest", "context.draftOrders")])
    if missing:
        reason = f"missing prefetch {', '.join(missing)} (and no fhirAuthorization to fetch it): the patient data needed are not known"
        return _cards([render.not_verified_card(reason, "prefetch")])
    try:
        authored = next((fhir._date(d["authoredOn"]) for _, d in drafts if isinstance(d.get("authoredOn"), str)), None)
    except ValueError:
        authored = None
    try:
        patient = fhir.read_patient(prefetch["patient"], prefetch["observations"], prefetch["conditions"], as_of=authored, path="prefetch.patient")
        current = fhir.read_current_medications(prefetch["medications"], "prefetch.medications",
                                                exclude_ids=[i for _, d in drafts if isinstance(i := d.get("id"), str)])
    except DoseInputError as exc:
        return _cards([render.not_verified_card(exc.problem, exc.parameter)])
    except Exception as exc:
        log.exception("internal error reading the prefetch")
        return _cards([render.not_verified_card(f"internal error reading the patient data ({type(exc).__name__})", "prefetch")])
    cards: list[dict[str, Any]] = []
    names = [_draft_name(p, d) for p, d in drafts]
    for index, (path, draft) in enumerate(drafts):
        # Orders signed together are each other's co-medications.
        others = [n for i, n in enumerate(names) if i != index and n]
        cards += _order_cards(path, draft, patient, current + others)
    return _cards(cards)


def _draft_name(path: str, draft: Mapping[str, object]) -> str | None:
    try:
        return fhir.read_medication_request(draft, path).order.drug
    except Exception:  # noqa: BLE001 — reported on its own card
        return None


def _cards(cards: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"cards": cards, "extension": {"dmdose": render.provenance()}})


# --- feedback ---------------------------------------------------------------------------


class AuditLog:
    """Append-only JSON lines; one writer at a time, each line flushed and synced before the answer."""

    def __init__(self, path: Path | None):
        self.path = path
        self._lock = threading.Lock()

    def append(self, records: list[dict[str, Any]]) -> None:
        if self.path is None:
            return
        with self._lock, open(self.path, "a", encoding="utf-8") as out:
            out.writelines(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n" for record in records)
            out.flush()
            import os

            os.fsync(out.fileno())


def jwt_subject(authorization: str | None) -> str:
    """The ``sub`` claim of a bearer JWT, NOT verified (the EHR's gateway authenticates); 'unknown' otherwise."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return "unknown"
    parts = authorization.split()[-1].split(".")
    if len(parts) != 3:
        return "unknown"
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return "unknown"
    sub = payload.get("sub") if isinstance(payload, dict) else None
    return sub if isinstance(sub, str) and sub and len(sub) <= 200 else "unknown"


def _feedback_records(data: object, service_id: str, user: str) -> list[dict[str, Any]]:
    if not isinstance(data, Mapping) or not isinstance(data.get("feedback"), list) or not data["feedback"]:
        raise BadRequest(400, "expected {\"feedback\": [ {card, outcome, outcomeTimestamp, overrideReason?} ... ]}", "feedback")
    now = dt.datetime.now(dt.UTC).isoformat()
    records = []
    for index, item in enumerate(data["feedback"][:MAX_DRAFT_ORDERS * 10]):
        where = f"feedback[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("card"), str) or item.get("outcome") not in ("accepted", "overridden"):
            raise BadRequest(400, "each entry needs card (a uuid) and outcome ('accepted' or 'overridden')", where)
        reason = item.get("overrideReason") or {}
        if not isinstance(reason, Mapping):
            raise BadRequest(400, "overrideReason must be an object", f"{where}.overrideReason")
        coding = given if isinstance(given := reason.get("reason"), Mapping) else {}
        records.append({
            "time": now,
            "service": service_id,
            "card": item["card"][:100],
            "outcome": item["outcome"],
            "override_reason": {k: coding.get(k) for k in ("system", "code", "display") if isinstance(coding.get(k), str)} or None,
            "user_comment": reason.get("userComment") if isinstance(reason.get("userComment"), str) else None,
            "outcome_timestamp": item.get("outcomeTimestamp") if isinstance(item.get("outcomeTimestamp"), str) else None,
            "user": user,
            **render.provenance(),
        })
    return records


async def feedback(request: Request) -> JSONResponse:
    service_id = request.path_params["service_id"]
    if service_id not in SERVICES:
        return error(404, f"no CDS service {service_id!r}", "service")
    audit: AuditLog = request.app.state.audit
    if audit.path is None:
        return error(409, "feedback is not recorded: start the service with --audit-log PATH", "feedback")
    try:
        records = _feedback_records(await _body_json(request), service_id, jwt_subject(request.headers.get("authorization")))
    except BadRequest as exc:
        return error(exc.status, exc.problem, exc.parameter)
    audit.append(records)
    return JSONResponse({"recorded": len(records)})


# --- dmdose's own JSON ------------------------------------------------------------------


async def verify_json(request: Request) -> JSONResponse:
    try:
        raw = await _body_bytes(request)
    except BadRequest as exc:
        return error(exc.status, exc.problem, exc.parameter)
    try:
        # Through the strict dmdose reader (bounds, depth, repeated keys) like every other door.
        parsed = parse_request(raw)
        verdict = verify(parsed.order, parsed.patient, parsed.current_medications, medications_complete=parsed.medications_complete)
    except DoseInputError as exc:
        return error(400, exc.problem, exc.parameter)
    return JSONResponse(verdict.to_dict())


async def openapi(request: Request) -> JSONResponse:
    from dosing.service.openapi import OPENAPI

    return JSONResponse(OPENAPI)


def create_app(audit_log: str | Path | None = None) -> Starlette:
    routes = [
        Route("/cds-services", discovery, methods=["GET"]),
        Route("/cds-services/{service_id}", hook, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", feedback, methods=["POST"]),
        Route("/verify", verify_json, methods=["POST"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={500: _internal, 404: _not_found, 405: _not_allowed})
    app.state.audit = AuditLog(None if audit_log is None else Path(audit_log))
    # Warm the caches (drug table, rules, FHIR models) so the first order is as fast as the rest.
    fhir._models()
    return app


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error", exc_info=exc)
    return error(500, f"internal error ({type(exc).__name__}); nothing was verified")


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return error(404, f"no such endpoint {request.url.path}")


async def _not_allowed(request: Request, exc: Exception) -> JSONResponse:
    return error(405, f"{request.method} is not allowed on {request.url.path}")

