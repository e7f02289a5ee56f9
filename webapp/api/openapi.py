"""The OpenAPI 3.1 document, generated from the declared operations.

Every ``api.operation`` becomes a path item: its parameters (path ids, the query model's
fields), its request body (the body model), its success response (the response model, an
example, ``ETag`` where declared) and the error responses in the error model, all with
examples derived from the JSON Schema (pydantic, draft 2020-12 — OpenAPI 3.1's dialect).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic.json_schema import models_json_schema

from webapp.api.errors import CODES, MESSAGES
from webapp.api.router import PREFIX, Api, Operation
from webapp.api.schemas import Error

REF = "#/components/schemas/{model}"
COMMON_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (422,)
RATE_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed per window for this token.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "When the window ends (Unix time, seconds).",
}
_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
SAMPLE = {"string": "string", "integer": 1, "number": 1.5, "boolean": True}
ID_EXAMPLE = "a1b2c3d4e5f6a7b8c9d0"


def openapi_path(rule: str) -> str:
    return PREFIX + _PARAM.sub(r"{\1}", rule)


def example_for(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
    """A value valid for ``schema``: its own example, else one built from its parts."""
    if "$ref" in schema:
        return example_for(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, depth + 1)
    if schema.get("examples"):
        return schema["examples"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return example_for(options[0], defs, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 6:
            return {}
        props = schema.get("properties", {})
        return {name: example_for(sub, defs, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [example_for(schema.get("items", {}), defs, depth + 1)] if depth < 6 else []
    if schema.get("format") == "date-time":
        return "2026-01-31T09:30:00Z"
    if schema.get("format") == "date":
        return "2026-01-31"
    if kind == "string" and schema.get("title", "").lower().endswith("id"):
        return ID_EXAMPLE
    if kind == "null":
        return None
    return SAMPLE.get(str(kind), "string")


def _schemas(api: Api) -> tuple[dict[Any, Any], dict[str, Any]]:
    models: list[tuple[Any, Any]] = [(Error, "serialization")]
    for op in api.operations:
        if op.response is not None:
            models.append((op.response, "serialization"))
        if op.body is not None:
            models.append((op.body, "validation"))
    unique = list(dict.fromkeys(models))
    refs, document = models_json_schema(unique, ref_template=REF)
    return refs, document.get("$defs", {})


def _parameters(op: Operation, defs: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "string", "minLength": 1, "maxLength": 64},
         "example": "WEB-12" if name == "item_id" else ID_EXAMPLE}
        for name in _PARAM.findall(op.rule)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", []))
        for name, sub in schema.get("properties", {}).items():
            sub = {k: v for k, v in sub.items() if k != "title"}
            description = sub.pop("description", None)
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": sub}
            if description:
                param["description"] = description
            if "array" in str(sub):
                param["style"], param["explode"] = "form", True
            params.append(param)
    for name, (description, required_header) in op.request_headers.items():
        params.append({"name": name, "in": "header", "required": required_header,
                       "description": description,
                       "schema": {"type": "string", "maxLength": 40}, "example": '"3"'})
    return params


def _error(status: int) -> dict[str, Any]:
    example = {"code": CODES.get(status, "error"), "message": MESSAGES.get(status, "Error."),
               "errors": {"title": "Enter a title."} if status == 422 else {}}
    headers: dict[str, Any] = {}
    if status == 429:
        headers["Retry-After"] = {"description": "Seconds until the token may call again.",
                                  "schema": {"type": "integer"}}
    if status == 409:
        headers["ETag"] = {"description": "The current version (stale If-Match).",
                           "schema": {"type": "string"}}
    out: dict[str, Any] = {
        "description": MESSAGES.get(status, "Error."),
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")},
                                         "example": example}},
    }
    if headers:
        out["headers"] = headers
    return out


def _operation(op: Operation, refs: dict[Any, Any], defs: dict[str, Any]) -> dict[str, Any]:
    headers = {name: {"description": text, "schema": {"type": "string"}}
               for name, text in {**RATE_HEADERS, **op.headers}.items()}
    success: dict[str, Any] = {"description": op.summary, "headers": headers}
    if op.response is not None:
        schema = refs[(op.response, "serialization")]
        success["content"] = {"application/json": {
            "schema": schema, "example": example_for(schema, defs)}}
    out: dict[str, Any] = {
        "operationId": op.endpoint.split(".", 1)[1], "summary": op.summary, "tags": [op.tag],
        "description": f"{op.description}\n\nToken scope: `{op.scope}`.".strip(),
        "parameters": _parameters(op, defs),
        "responses": {str(op.status): success},
        "x-keel-scope": op.scope,
    }
    if op.body is not None:
        schema = refs[(op.body, "validation")]
        out["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": schema, "example": example_for(schema, defs)}}}
    statuses = set(COMMON_ERRORS) | set(op.errors)
    if op.body is not None or op.method != "GET":
        statuses |= set(WRITE_ERRORS)
    for status in sorted(statuses):
        out["responses"][str(status)] = _error(status)
    return out


def build(api: Api, *, title: str = "Keel API", version: str = "1.0.0") -> dict[str, Any]:
    refs, defs = _schemas(api)
    paths: dict[str, dict[str, Any]] = {}
    for op in api.operations:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(
            op, refs, defs)
    tags = list(dict.fromkeys(op.tag for op in api.operations))
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": title, "version": version,
                 "description": "Keel's JSON API for integrations. Authenticate with a "
                 "personal API token: `Authorization: Bearer keel_…` (create one under "
                 "Account → API tokens). See docs/api.md."},
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal API token (keel_…)."}},
        },
        "security": [{"bearer": []}],
    }
