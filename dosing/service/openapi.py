"""The service's OpenAPI 3.0 description (served at /openapi.json; the schemathesis tests fuzz from it)."""

_ERROR = {
    "description": "bad request: a JSON error naming the parameter",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_CARDS = {"description": "CDS Hooks cards", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CardsResponse"}}}}
_SERVICE_ID = {"name": "service_id", "in": "path", "required": True, "schema": {"type": "string", "enum": ["dmdose-order-select", "dmdose-order-sign"]}}

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "dmdose CDS Hooks service", "version": "1"},
    "paths": {
        "/cds-services": {
            "get": {"summary": "CDS Hooks 2.0 discovery", "responses": {"200": {"description": "the services",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["services"]}}}}}},
        },
        "/cds-services/{service_id}": {
            "post": {
                "summary": "order-select / order-sign: verify the draft MedicationRequests",
                "parameters": [_SERVICE_ID],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HookRequest"}}}},
                "responses": {"200": _CARDS, "400": _ERROR, "404": _ERROR, "413": _ERROR},
            }
        },
        "/cds-services/{service_id}/feedback": {
            "post": {
                "summary": "record card outcomes and override reasons in the audit log",
                "parameters": [_SERVICE_ID],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feedback"}}}},
                "responses": {"200": {"description": "recorded", "content": {"application/json": {"schema": {"type": "object"}}}},
                              "400": _ERROR, "404": _ERROR, "409": _ERROR, "413": _ERROR},
            }
        },
        "/verify": {
            "post": {
                "summary": "dmdose's own JSON request → the verdict",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DmdoseRequest"}}}},
                "responses": {"200": {"description": "the verdict", "content": {"application/json": {"schema": {"type": "object", "required": ["status"]}}}},
                              "400": _ERROR, "413": _ERROR},
            }
        },
    },
    "components": {
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["parameter", "problem"],
                      "properties": {"parameter": {"type": "string"}, "problem": {"type": "string"}}}}},
            "CardsResponse": {"type": "object", "required": ["cards"], "properties": {"cards": {"type": "array", "items": {"type": "object"}}}},
            "HookRequest": {
                "type": "object",
                "required": ["hook", "hookInstance", "context"],
                "properties": {
                    "hook": {"type": "string"},
                    "hookInstance": {"type": "string"},
                    "fhirServer": {"type": "string"},
                    "fhirAuthorization": {"type": "object"},
                    "context": {"type": "object", "properties": {"patientId": {"type": "string"}, "draftOrders": {"type": "object"},
                                                                  "selections": {"type": "array", "items": {"type": "string"}}}},
                    "prefetch": {"type": "object"},
                },
            },
            "Feedback": {"type": "object", "required": ["feedback"], "properties": {"feedback": {"type": "array", "items": {"type": "object",
                         "properties": {"card": {"type": "string"}, "outcome": {"type": "string", "enum": ["accepted", "overridden"]},
                                        "outcomeTimestamp": {"type": "string"}, "overrideReason": {"type": "object"}}}}}},
            "DmdoseRequest": {"type": "object", "required": ["order", "patient"], "properties": {
                "order": {"type": "object"}, "patient": {"type": "object"},
                "current_medications": {"type": "array", "items": {"type": "string"}}, "medications_complete": {"type": "boolean"}}},
        }
    },
}
