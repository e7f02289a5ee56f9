"""Provider settings, read from the environment (and ``.env``) when the app starts.

A provider is offered (buttons on /login and /signup, routes answering) only when its
client id and secret are set. The endpoints default to the real providers; tests point
them at a local double.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

GOOGLE_METADATA = "https://accounts.google.com/.well-known/openid-configuration"


class OAuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    google_client_id: str = Field(default="", alias="GOOGLE_CLIENT_ID")
    google_client_secret: str = Field(default="", alias="GOOGLE_CLIENT_SECRET")
    google_metadata_url: str = Field(default=GOOGLE_METADATA, alias="GOOGLE_METADATA_URL")
    github_client_id: str = Field(default="", alias="GITHUB_CLIENT_ID")
    github_client_secret: str = Field(default="", alias="GITHUB_CLIENT_SECRET")
    github_api_base: str = Field(default="https://api.github.com/", alias="GITHUB_API_BASE")
    github_authorize_url: str = Field(
        default="https://github.com/login/oauth/authorize", alias="GITHUB_AUTHORIZE_URL"
    )
    github_token_url: str = Field(
        default="https://github.com/login/oauth/access_token", alias="GITHUB_TOKEN_URL"
    )

    def configured(self) -> list[str]:
        """The providers with credentials, in the order their buttons appear."""
        found = []
        if self.google_client_id and self.google_client_secret:
            found.append("google")
        if self.github_client_id and self.github_client_secret:
            found.append("github")
        return found
