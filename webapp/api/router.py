"""Declaring API operations: one decorator gives the route, its guard, its token scope and
everything the OpenAPI document says about it.

A resource module adds an operation in a few lines::

    @api.operation("GET", "/workspaces/<workspace_id>/spaces", guard=workspace_required(),
                   scope="read", response=Page[Space], summary="List spaces", tag="Spaces")
    def list_spaces(workspace_id: str) -> Any:
        return ok(Page[Space](data=[...]))

``guard`` is one of ``webapp/authz/guards.py`` (load, then authorize: 404 before 403);
``scope`` is the token scope it needs (read, write, admin); ``body`` and ``query`` are
pydantic models (parsed with ``parse_body``/``parse_query``); ``response`` is the model of
the success body, ``status`` its code. The view runs after the guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError

from webapp.api.errors import ApiError, describe_pydantic

PREFIX = "/api/v1"
Model = type[BaseModel]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str  # Flask rule without the prefix, e.g. /workspaces/<workspace_id>
    endpoint: str
    summary: str
    tag: str
    scope: str
    response: Model | None
    status: int
    body: Model | None = None
    query: Model | None = None
    errors: tuple[int, ...] = ()
    description: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # response header -> description
    request_headers: dict[str, tuple[str, bool]] = field(default_factory=dict)


class Api:
    """The operations of one blueprint, in declaration order."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.operations: list[Operation] = []
        self.by_endpoint: dict[str, Operation] = {}

    def operation(self, method: str, rule: str, *, guard: Callable[[Any], Any], scope: str,
                  summary: str, tag: str, response: Model | None = None, status: int = 200,
                  body: Model | None = None, query: Model | None = None,
                  errors: tuple[int, ...] = (), description: str = "",
                  headers: dict[str, str] | None = None,
                  request_headers: dict[str, tuple[str, bool]] | None = None,
                  ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            endpoint = view.__name__
            guarded: Callable[..., Any] = guard(view)
            self.blueprint.add_url_rule(PREFIX + rule, endpoint, guarded, methods=[method])
            op = Operation(method, rule, f"{self.blueprint.name}.{endpoint}", summary, tag,
                           scope, response, status, body, query, errors,
                           description or (view.__doc__ or "").strip(), dict(headers or {}),
                           dict(request_headers or {}))
            self.operations.append(op)
            self.by_endpoint[op.endpoint] = op
            return guarded

        return decorate


def parse_body(model: type[M]) -> M:
    """The JSON body validated by ``model``: 400 when it is not a JSON object, 422 with
    ``errors`` per field when a field is wrong."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "Send a JSON object with Content-Type: "
                       "application/json.")
    nul = _nul_fields(data)
    if nul:
        raise ApiError(422, "invalid", "Some fields are invalid.",
                       dict.fromkeys(nul, "Text cannot contain a NUL character."))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid", "Some fields are invalid.",
                       describe_pydantic(exc)) from None


def _nul_fields(value: Any, path: str = "") -> list[str]:
    """Dotted paths of strings (keys included) holding NUL, which no store accepts."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        out = []
        for key, sub in value.items():
            name = f"{path}.{key}" if path else str(key)
            out += [name] if "\x00" in str(key) else _nul_fields(sub, name)
        return out
    if isinstance(value, list):
        return [p for n, sub in enumerate(value) for p in _nul_fields(sub, f"{path}.{n}")]
    return []


def parse_query(model: type[M]) -> M:
    """Query parameters validated by ``model`` (list fields take repeated parameters);
    400 with ``errors`` per parameter."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in request.args:
            continue
        is_list = "list" in str(info.annotation)
        values[key] = request.args.getlist(key) if is_list else request.args.get(key)
    if any("\x00" in v for values in request.args.listvalues() for v in values):
        raise ApiError(400, "invalid_parameter", "Query parameters cannot contain NUL.")
    unknown = set(request.args) - {info.alias or n for n, info in model.model_fields.items()}
    if unknown:
        raise ApiError(400, "invalid_parameter", "Unknown query parameter.",
                       {name: "Unknown parameter." for name in sorted(unknown)})
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ApiError(400, "invalid_parameter", "Some query parameters are invalid.",
                       describe_pydantic(exc)) from None


def ok(payload: BaseModel | None, status: int = 200,
       headers: dict[str, str] | None = None) -> Response:
    """A success response; the payload is serialised by its model (so it always matches
    the schema the document publishes)."""
    if payload is None:
        response = Response(status=status)
    else:
        response = jsonify(payload.model_dump(mode="json", by_alias=True))
        response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
