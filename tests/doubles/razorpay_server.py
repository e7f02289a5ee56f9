"""A local Razorpay double (Orders and Payments REST API, Checkout, webhooks) plus an
exchangerate-api v6 double, on one port.

A werkzeug server in a thread speaking Razorpay's wire format, so the real ``razorpay``
client runs unchanged against it (``razorpay.Client(auth=..., base_url=double.url)``):

- ``POST /v1/orders`` (Basic auth with the key id/secret; ``amount`` in paise ≥ 100,
  ``currency``, ``receipt``, ``notes``) → order entity ``order_…``, status ``created``;
- ``GET /v1/orders/<id>``, ``GET /v1/orders/<id>/payments``, ``GET /v1/payments/<id>``;
- errors as ``{"error": {"code": "BAD_REQUEST_ERROR", "description": …}}``.

Test controls (what a customer does in Checkout): ``pay(order_id, status="captured")``
creates the payment and returns the Checkout handler's fields with the real signature
(hex HMAC-SHA256 of ``order_id|payment_id`` with the key secret); ``webhook(event, …)``
builds an event body and its ``X-Razorpay-Signature``. ``GET /v1/checkout.js`` serves a
stand-in for Razorpay's checkout.js that "pays" through ``POST /_test/pay`` and calls the
page's handler, for browser tests.

Exchange rates: ``GET /v6/<key>/latest/USD`` answers ``{"result": "success",
"conversion_rates": {"INR": double.inr_rate, …}}``; ``fx_down = True`` makes it 503.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

KEY_ID = "rzp_test_keel"
KEY_SECRET = "razorpay-test-secret"
WEBHOOK_SECRET = "razorpay-webhook-secret"
FX_KEY = "fx-test-key"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(7)}"


def sign(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


CHECKOUT_JS = """
window.Razorpay = function (options) {
  this.open = function () {
    fetch(%(pay)s, {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({order_id: options.order_id})})
      .then(function (r) { return r.json(); })
      .then(function (res) { options.handler(res); });
  };
  this.on = function () {};
};
"""


@dataclass
class RazorpayDouble:
    inr_rate: float = 84.25
    fx_down: bool = False
    down: bool = False
    url: str = ""
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> RazorpayDouble:
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True,
                                   request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="razorpay-double")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)

    def reset(self) -> None:
        self.inr_rate, self.fx_down, self.down = 84.25, False, False
        self.orders.clear()
        self.payments.clear()
        self.requests.clear()

    def env(self) -> dict[str, str]:
        return {
            "RAZORPAY_KEY_ID": KEY_ID, "RAZORPAY_KEY_SECRET": KEY_SECRET,
            "RAZORPAY_WEBHOOK_SECRET": WEBHOOK_SECRET, "RAZORPAY_API_URL": self.url,
            "RAZORPAY_CHECKOUT_JS": f"{self.url}/v1/checkout.js",
            "EXCHANGE_RATE_URL": f"{self.url}/v6/{{key}}/latest/USD",
            "EXCHANGE_RATE_API_KEY": FX_KEY,
        }

    # -- what a customer does -----------------------------------------------------------------
    def pay(self, order_id: str, status: str = "captured") -> dict[str, str]:
        """Pay an order (Checkout); returns the handler's fields with a real signature."""
        with self._lock:
            order = self.orders[order_id]
            payment_id = _id("pay")
            self.payments[payment_id] = {
                "id": payment_id, "entity": "payment", "amount": order["amount"],
                "currency": order["currency"], "status": status, "order_id": order_id,
                "method": "card", "captured": status == "captured",
                "created_at": int(time.time()), "notes": order["notes"],
                "error_description": None if status != "failed" else "Card declined",
            }
            if status == "captured":
                order.update(status="paid", amount_paid=order["amount"], amount_due=0)
                order["attempts"] += 1
        return {"razorpay_order_id": order_id, "razorpay_payment_id": payment_id,
                "razorpay_signature": sign(KEY_SECRET, f"{order_id}|{payment_id}")}

    def webhook(self, event: str, payment_id: str | None = None, *,
                refund_amount: int | None = None,
                secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
        """An event body and the headers Razorpay sends with it."""
        payload: dict[str, Any] = {}
        contains = []
        if payment_id is not None:
            payment = self.payments[payment_id]
            payload["payment"] = {"entity": payment}
            contains.append("payment")
            if event == "order.paid":
                payload["order"] = {"entity": self.orders[payment["order_id"]]}
                contains.append("order")
            if event.startswith("refund."):
                refund = {"id": _id("rfnd"), "entity": "refund", "payment_id": payment_id,
                          "amount": refund_amount or payment["amount"], "currency": "INR",
                          "status": "processed"}
                payload["refund"] = {"entity": refund}
                contains.append("refund")
        body = json.dumps({"entity": "event", "account_id": "acc_keel", "event": event,
                           "contains": contains, "payload": payload,
                           "created_at": int(time.time())}).encode()
        return body, {"X-Razorpay-Signature": sign(secret, body.decode()),
                      "X-Razorpay-Event-Id": _id("evt"), "Content-Type": "application/json"}

    # -- WSGI -----------------------------------------------------------------------------------
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append(f"{request.method} {request.path}")
        return self._route(request)(environ, start_response)

    def _route(self, request: Request) -> Response:
        path, method = request.path.rstrip("/"), request.method
        if path.startswith("/v6/"):
            return self._fx(request)
        if path == "/v1/checkout.js":
            js = CHECKOUT_JS % {"pay": json.dumps(f"{self.url}/_test/pay")}
            return Response(js, mimetype="application/javascript")
        if path == "/_test/pay" and method in ("POST", "OPTIONS"):
            resp = Response("", 204) if method == "OPTIONS" else _json(
                self.pay(str((request.get_json(silent=True) or {}).get("order_id"))))
            resp.headers["Access-Control-Allow-Origin"] = "*"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
            return resp
        if self.down:
            return _error("SERVER_ERROR", "The server is down", 500)
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (KEY_ID, KEY_SECRET):
            return _error("BAD_REQUEST_ERROR", "The api key provided is invalid", 401)
        parts = path.split("/")[2:]  # after /v1
        if parts == ["orders"] and method == "POST":
            return self._create_order(request)
        if len(parts) == 2 and parts[0] == "orders" and method == "GET":
            order = self.orders.get(parts[1])
            return _json(order) if order else _error("BAD_REQUEST_ERROR", "The id provided "
                                                     "does not exist", 400)
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "payments":
            items = [p for p in self.payments.values() if p["order_id"] == parts[1]]
            return _json({"entity": "collection", "count": len(items), "items": items})
        if len(parts) == 2 and parts[0] == "payments" and method == "GET":
            payment = self.payments.get(parts[1])
            return _json(payment) if payment else _error("BAD_REQUEST_ERROR", "The id provided "
                                                         "does not exist", 400)
        return _error("BAD_REQUEST_ERROR", "The requested URL was not found on the server.", 404)

    def _create_order(self, request: Request) -> Response:
        data = request.get_json(silent=True) or {}
        amount = data.get("amount")
        if not isinstance(amount, int) or amount < 100:
            return _error("BAD_REQUEST_ERROR", "Order amount less than minimum amount allowed",
                          400)
        notes = data.get("notes") or {}
        if len(notes) > 15:
            return _error("BAD_REQUEST_ERROR", "Number of notes is more than 15", 400)
        order = {"id": _id("order"), "entity": "order", "amount": amount, "amount_paid": 0,
                 "amount_due": amount, "currency": data.get("currency", "INR"),
                 "receipt": data.get("receipt"), "status": "created", "attempts": 0,
                 "notes": notes, "created_at": int(time.time())}
        with self._lock:
            self.orders[order["id"]] = order
        return _json(order)

    def _fx(self, request: Request) -> Response:
        if self.fx_down:
            return _json({"result": "error", "error-type": "unavailable"}, 503)
        if request.path.split("/")[2] != FX_KEY:
            return _json({"result": "error", "error-type": "invalid-key"}, 403)
        return _json({"result": "success", "base_code": "USD",
                      "time_last_update_unix": int(time.time()),
                      "conversion_rates": {"USD": 1, "INR": self.inr_rate, "EUR": 0.92}})


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _error(code: str, description: str, status: int) -> Response:
    return _json({"error": {"code": code, "description": description}}, status)
