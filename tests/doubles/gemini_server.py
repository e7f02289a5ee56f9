"""A local double of the Gemini API (``generativelanguage.googleapis.com``).

Speaks the ``generateContent`` REST wire format that the real google-genai client sends:
``POST /v1beta/models/<model>:generateContent`` with the key in ``x-goog-api-key``, a JSON
body ``{"contents": [{"role", "parts": [{"text"}]}], "systemInstruction", "generationConfig"}``,
answered with ``{"candidates": [{"content": {"role": "model", "parts": [{"text"}]},
"finishReason": "STOP"}], "usageMetadata": {...}, "modelVersion"}``. Errors use Google's
error envelope ``{"error": {"code", "message", "status"}}``.

Tests queue what the next calls answer: ``reply(text)``, ``fail(status)``, ``stall(seconds)``
(answers late, for client timeouts); with nothing queued the double answers ``default``.
A wrong key gets Google's 400 ``API_KEY_INVALID``. ``requests`` keeps every call's model,
key and body.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

API_KEY = "AIzaTestKey-keel-double-0001"
STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED",
          500: "INTERNAL", 503: "UNAVAILABLE"}


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class GeminiDouble:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queue: deque[tuple[str, Any]] = deque()
        self.default = "This is the double's answer."
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> GeminiDouble:
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True,
                                   request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="gemini-double")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)

    def reset(self) -> None:
        self.requests.clear()
        self.queue.clear()
        self.default = "This is the double's answer."

    # -- scripting ----------------------------------------------------------------------
    def reply(self, text: str | dict[str, Any] | list[Any]) -> None:
        self.queue.append(("text", text if isinstance(text, str) else json.dumps(text)))

    def fail(self, status: int, message: str = "The double refuses.") -> None:
        self.queue.append(("error", (status, message)))

    def stall(self, seconds: float) -> None:
        self.queue.append(("stall", seconds))

    def prompts(self) -> list[str]:
        return ["\n".join(p.get("text", "") for c in r["body"].get("contents", [])
                          for p in c.get("parts", [])) for r in self.requests]

    # -- the API --------------------------------------------------------------------------
    @staticmethod
    def _error(status: int, message: str) -> Response:
        body = {"error": {"code": status, "message": message,
                          "status": STATUS.get(status, "UNKNOWN")}}
        return Response(json.dumps(body), status=status, mimetype="application/json")

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:
        path = request.path
        if request.method != "POST" or not path.endswith(":generateContent") or \
                "/models/" not in path:
            return self._error(404, f"Method not found: {path}")
        model = path.split("/models/", 1)[1].rsplit(":", 1)[0]
        key = request.headers.get("x-goog-api-key") or request.args.get("key")
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return self._error(400, "Invalid JSON payload received.")
        self.requests.append({"model": model, "key": key, "body": body,
                              "path": path})
        if key != API_KEY:
            return self._error(400, "API key not valid. Please pass a valid API key.")
        if not body.get("contents"):
            return self._error(400, "* GenerateContentRequest.contents: contents is not "
                                    "specified")
        kind, value = self.queue.popleft() if self.queue else ("text", self.default)
        if kind == "error":
            return self._error(*value)
        if kind == "stall":
            time.sleep(float(value))
            value = self.default
        answer = {
            "candidates": [{"content": {"role": "model", "parts": [{"text": value}]},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                              "totalTokenCount": 15},
            "modelVersion": model,
        }
        return Response(json.dumps(answer), mimetype="application/json")
