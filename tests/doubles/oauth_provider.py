"""A local OAuth 2.0 / OpenID Connect provider double: Google and GitHub on one port.

A werkzeug server in a thread, speaking the real protocols over HTTP so that Authlib's
own client runs unchanged against it:

Google (OpenID Connect), under ``/google``:
  ``/.well-known/openid-configuration`` discovery, ``/authorize`` (auto-approves: redirects
  back with ``code`` and ``state``), ``/token`` (authorization code → access token + an
  RS256-signed ``id_token`` carrying the request's ``nonce``), ``/jwks``, ``/userinfo``.
GitHub (OAuth 2.0), under ``/github``:
  ``/login/oauth/authorize``, ``/login/oauth/access_token``, ``/api/user``,
  ``/api/user/emails``.

Tests choose who "signs in" by setting ``provider.google_account`` / ``github_account``
before the redirect, and can make the next authorization fail with ``deny_next = True``.
Client credentials, redirect URIs and codes are checked like a real provider would.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "keel-test-client"
CLIENT_SECRET = "keel-test-secret"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Grant:
    provider: str
    client_id: str
    redirect_uri: str
    nonce: str | None
    account: dict[str, Any]


def default_google_account() -> dict[str, Any]:
    return {
        "sub": "google-1001",
        "email": "ada@example.com",
        "email_verified": True,
        "name": "Ada Lovelace",
    }


def default_github_account() -> dict[str, Any]:
    return {
        "id": 2002,
        "login": "ada",
        "name": "Ada Lovelace",
        "email": None,
        "emails": [{"email": "ada@example.com", "primary": True, "verified": True}],
    }


@dataclass
class OAuthProviderDouble:
    google_account: dict[str, Any] = field(default_factory=default_google_account)
    github_account: dict[str, Any] = field(default_factory=default_github_account)
    deny_next: bool = False
    url: str = ""
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "double-1", "use": "sig"})
        self._grants: dict[str, Grant] = {}
        self._tokens: dict[str, Grant] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> OAuthProviderDouble:
        self._server = make_server(
            "127.0.0.1", 0, self.wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="oauth-double"
        )
        self._thread.start()
        return self

    def reset(self) -> None:
        """Default accounts again, no pending denial (between tests)."""
        self.google_account = default_google_account()
        self.github_account = default_github_account()
        self.deny_next = False
        self.requests.clear()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)

    def env(self) -> dict[str, str]:
        """The settings that point Keel at this double."""
        return {
            "GOOGLE_CLIENT_ID": CLIENT_ID,
            "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
            "GOOGLE_METADATA_URL": f"{self.url}/google/.well-known/openid-configuration",
            "GITHUB_CLIENT_ID": CLIENT_ID,
            "GITHUB_CLIENT_SECRET": CLIENT_SECRET,
            "GITHUB_AUTHORIZE_URL": f"{self.url}/github/login/oauth/authorize",
            "GITHUB_TOKEN_URL": f"{self.url}/github/login/oauth/access_token",
            "GITHUB_API_BASE": f"{self.url}/github/api/",
        }

    # -- WSGI -------------------------------------------------------------------------------
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append(f"{request.method} {request.path}")
        routes = {
            "/google/.well-known/openid-configuration": self._discovery,
            "/google/authorize": lambda r: self._authorize(r, "google"),
            "/google/token": lambda r: self._token(r, "google"),
            "/google/jwks": self._jwks,
            "/google/userinfo": self._userinfo,
            "/github/login/oauth/authorize": lambda r: self._authorize(r, "github"),
            "/github/login/oauth/access_token": lambda r: self._token(r, "github"),
            "/github/api/user": self._github_user,
            "/github/api/user/emails": self._github_emails,
        }
        handler = routes.get(request.path)
        response = handler(request) if handler else _json({"error": "not_found"}, 404)
        return response(environ, start_response)

    def _discovery(self, request: Request) -> Response:
        base = f"{self.url}/google"
        return _json(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "jwks_uri": f"{base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        )

    def _jwks(self, request: Request) -> Response:
        return _json({"keys": [self.key.as_dict(private=False)]})

    def _authorize(self, request: Request, provider: str) -> Response:
        args = request.args
        redirect_uri = args.get("redirect_uri", "")
        if args.get("client_id") != CLIENT_ID or not redirect_uri:
            return _json({"error": "invalid_client"}, 400)
        if args.get("response_type", "code") != "code":
            return _json({"error": "unsupported_response_type"}, 400)
        params: dict[str, str] = {}
        if self.deny_next:
            self.deny_next = False
            params = {"error": "access_denied", "error_description": "The user said no."}
        else:
            code = secrets.token_urlsafe(16)
            account = dict(self.google_account if provider == "google" else self.github_account)
            self._grants[code] = Grant(
                provider, CLIENT_ID, redirect_uri, args.get("nonce"), account
            )
            params = {"code": code}
        if args.get("state"):
            params["state"] = args["state"]
        sep = "&" if "?" in redirect_uri else "?"
        return Response(status=302, headers={"Location": redirect_uri + sep + urlencode(params)})

    def _client_ok(self, request: Request) -> bool:
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            return auth.username == CLIENT_ID and auth.password == CLIENT_SECRET
        form = request.form
        return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET

    def _token(self, request: Request, provider: str) -> Response:
        if request.method != "POST":
            return _json({"error": "invalid_request"}, 405)
        if not self._client_ok(request):
            return _json({"error": "invalid_client"}, 401)
        form = request.form
        grant = self._grants.pop(form.get("code", ""), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.provider != provider
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            return _json({"error": "invalid_grant"}, 400)
        access = secrets.token_urlsafe(24)
        self._tokens[access] = grant
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": 3600}
        if provider == "google":
            now = int(time.time())
            claims = {
                "iss": f"{self.url}/google",
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 600,
                "sub": grant.account["sub"],
                "email": grant.account.get("email"),
                "email_verified": grant.account.get("email_verified", False),
                "name": grant.account.get("name"),
            }
            if grant.nonce:
                claims["nonce"] = grant.nonce
            body["id_token"] = jwt.encode({"alg": "RS256", "kid": "double-1"}, claims, self.key)
            body["scope"] = "openid email profile"
        else:
            body["scope"] = "read:user,user:email"
        return _json(body)

    def _bearer(self, request: Request) -> Grant | None:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        return self._tokens.get(value)

    def _userinfo(self, request: Request) -> Response:
        grant = self._bearer(request)
        if grant is None or grant.provider != "google":
            return _json({"error": "invalid_token"}, 401)
        return _json({k: v for k, v in grant.account.items() if k != "emails"})

    def _github_user(self, request: Request) -> Response:
        grant = self._bearer(request)
        if grant is None or grant.provider != "github":
            return _json({"message": "Bad credentials"}, 401)
        account = grant.account
        return _json(
            {
                "id": account["id"],
                "login": account["login"],
                "name": account.get("name"),
                "email": account.get("email"),
            }
        )

    def _github_emails(self, request: Request) -> Response:
        grant = self._bearer(request)
        if grant is None or grant.provider != "github":
            return _json({"message": "Bad credentials"}, 401)
        return _json(grant.account.get("emails", []))


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")
