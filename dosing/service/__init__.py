"""The dmdose CDS Hooks service (``dmdose serve``): needs the optional ``service`` extra (starlette, uvicorn, httpx, fhir.resources)."""

from dosing.service.app import create_app

__all__ = ["create_app"]
