"""Authlib clients, one registry per app (``app.extensions["keel.oauth"]``), and the step
that turns a provider's answer into a ``ProviderProfile``."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from .config import OAuthSettings
from .service import ProviderProfile

LABELS = {"google": "Google", "github": "GitHub"}
TIMEOUT = 10


def init_clients(app: Flask) -> None:
    settings = OAuthSettings()
    oauth = OAuth(app)
    if "google" in settings.configured():
        oauth.register(
            "google",
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret,
            server_metadata_url=settings.google_metadata_url,
            client_kwargs={"scope": "openid email profile", "timeout": TIMEOUT},
        )
    if "github" in settings.configured():
        oauth.register(
            "github",
            client_id=settings.github_client_id,
            client_secret=settings.github_client_secret,
            access_token_url=settings.github_token_url,
            authorize_url=settings.github_authorize_url,
            api_base_url=settings.github_api_base.rstrip("/") + "/",
            client_kwargs={"scope": "read:user user:email", "timeout": TIMEOUT},
        )
    app.extensions["keel.oauth"] = oauth
    app.extensions["keel.oauth.providers"] = settings.configured()


def configured_providers() -> list[str]:
    return list(current_app.extensions.get("keel.oauth.providers", []))


def client(provider: str) -> Any:
    """The Authlib client for a configured provider, else None."""
    if provider not in configured_providers():
        return None
    oauth: OAuth = current_app.extensions["keel.oauth"]
    return oauth.create_client(provider)


def fetch_profile(provider: str, remote: Any, token: dict[str, Any]) -> ProviderProfile:
    """Who the provider says signed in. Raises ValueError for an answer missing the subject."""
    if provider == "google":
        info = token.get("userinfo") or remote.userinfo(token=token)
        subject = str(info.get("sub") or "")
        email = info.get("email")
        verified = bool(info.get("email_verified")) and bool(email)
        name = info.get("name") or ""
    else:
        user = remote.get("user", token=token)
        user.raise_for_status()
        data = user.json()
        subject = str(data.get("id") or "")
        name = data.get("name") or data.get("login") or ""
        email, verified = None, False
        emails = remote.get("user/emails", token=token)
        if emails.ok:
            for entry in emails.json():
                if entry.get("primary"):
                    email, verified = entry.get("email"), bool(entry.get("verified"))
                    break
        if email is None and data.get("email"):
            email = data["email"]  # the public address: not known to be verified
    if not subject:
        raise ValueError(f"{provider} did not say who signed in")
    return ProviderProfile(provider=provider, subject=subject,
                           email=(email or "").strip().lower() or None,
                           email_verified=verified, name=str(name)[:128])
