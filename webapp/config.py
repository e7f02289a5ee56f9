"""Typed settings, read from the environment and an optional ``.env`` file.

Every setting has a safe default for the embedded setup (SQLite file, local files, mail
outbox, Redis from ``REDIS_URL`` or the one ``make run`` starts under ``instance/``).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", env_prefix="", populate_by_name=True
    )

    env: str = Field(default="development", alias="KEEL_ENV")
    instance_path: Path = Field(default=ROOT / "instance", alias="KEEL_INSTANCE")
    secret_key: str = Field(default="", alias="SECRET_KEY")
    database_url: str = Field(default="", alias="DATABASE_URL")
    redis_url: str = Field(default="", alias="REDIS_URL")
    mail_url: str = Field(default="", alias="MAIL_URL")
    mail_sender: str = Field(default="Keel <no-reply@keel.localhost>", alias="MAIL_SENDER")
    files_path: Path | None = Field(default=None, alias="FILES_PATH")
    base_url: str = Field(default="http://127.0.0.1:5000", alias="BASE_URL")
    secure_cookies: bool = Field(default=False, alias="SECURE_COOKIES")
    session_days: int = Field(default=30, alias="SESSION_DAYS")
    login_rate_limit: str = Field(default="10 per minute", alias="LOGIN_RATE_LIMIT")
    lockout_failures: int = Field(default=5, alias="LOCKOUT_FAILURES")
    lockout_minutes: int = Field(default=15, alias="LOCKOUT_MINUTES")
    # API v1: requests per token per window (webapp/api/auth.py)
    api_rate_limit: int = Field(default=60, alias="API_RATE_LIMIT")
    api_rate_window: int = Field(default=60, alias="API_RATE_WINDOW")
    rq_async: bool = Field(default=True, alias="RQ_ASYNC")
    testing: bool = Field(default=False, alias="KEEL_TESTING")
    # outgoing project webhooks may call private/loopback addresses (notifications/webhooks.py)
    webhooks_allow_private: bool = Field(default=False, alias="WEBHOOKS_ALLOW_PRIVATE_NETWORKS")
    # Appwrite: STORAGE_DRIVER / FILES_DRIVER / MAIL_DRIVER=appwrite (see docs/appwrite.md)
    storage_driver: str = Field(default="sql", alias="STORAGE_DRIVER")
    files_driver: str = Field(default="local", alias="FILES_DRIVER")
    mail_driver: str = Field(default="url", alias="MAIL_DRIVER")
    appwrite_endpoint: str = Field(default="", alias="APPWRITE_ENDPOINT")
    appwrite_project: str = Field(default="", alias="APPWRITE_PROJECT")
    appwrite_key: str = Field(default="", alias="APPWRITE_KEY")
    appwrite_database_id: str = Field(default="keel", alias="APPWRITE_DATABASE_ID")
    # billing (webapp/features/billing): money in USD cents, rates in USD per unit
    usage_rate_traffic_gb: str = Field(default="0.10", alias="USAGE_RATE_TRAFFIC_GB")
    usage_rate_storage_gb_month: str = Field(default="0.05", alias="USAGE_RATE_STORAGE_GB_MONTH")
    usage_rate_compute_unit: str = Field(default="0.001", alias="USAGE_RATE_COMPUTE_UNIT")
    billing_grace_period_days: int = Field(default=14, alias="BILLING_GRACE_PERIOD_DAYS")
    invoice_due_days: int = Field(default=7, alias="INVOICE_DUE_DAYS")
    wallet_daily_topup_limit: int = Field(default=50_000_000, alias="WALLET_DAILY_TOPUP_LIMIT")
    wallet_debits_per_minute: int = Field(default=10, alias="WALLET_DEBITS_PER_MINUTE")
    topup_min_cents: int = Field(default=100, alias="TOPUP_MIN_CENTS")
    topup_max_cents: int = Field(default=100_000_000, alias="TOPUP_MAX_CENTS")
    razorpay_key_id: str = Field(default="", alias="RAZORPAY_KEY_ID")
    razorpay_key_secret: str = Field(default="", alias="RAZORPAY_KEY_SECRET")
    razorpay_webhook_secret: str = Field(default="", alias="RAZORPAY_WEBHOOK_SECRET")
    razorpay_api_url: str = Field(default="https://api.razorpay.com", alias="RAZORPAY_API_URL")
    razorpay_checkout_js: str = Field(default="https://checkout.razorpay.com/v1/checkout.js",
                                      alias="RAZORPAY_CHECKOUT_JS")
    exchange_rate_url: str = Field(
        default="https://v6.exchangerate-api.com/v6/{key}/latest/USD", alias="EXCHANGE_RATE_URL")
    exchange_rate_api_key: str = Field(default="", alias="EXCHANGE_RATE_API_KEY")
    exchange_rate_fallback: str = Field(default="83.50", alias="EXCHANGE_RATE_FALLBACK")
    metering_enabled: bool = Field(default=True, alias="METERING_ENABLED")

    def model_post_init(self, __context: Any) -> None:
        self.instance_path = Path(self.instance_path)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.instance_path / 'keel.db'}"
        if not self.mail_url:
            self.mail_url = f"outbox://{self.instance_path / 'outbox'}"
        if self.files_path is None:
            self.files_path = self.instance_path / "files"
        if not self.secret_key:
            self.secret_key = load_or_create_secret(self.instance_path)

    @property
    def store_url(self) -> str:
        """``DATABASE_URL``, or the Appwrite store URL when ``STORAGE_DRIVER=appwrite``."""
        if self.storage_driver.lower() != "appwrite":
            return self.database_url
        missing = [
            name
            for name, value in (
                ("APPWRITE_ENDPOINT", self.appwrite_endpoint),
                ("APPWRITE_PROJECT", self.appwrite_project),
                ("APPWRITE_KEY", self.appwrite_key),
                ("APPWRITE_DATABASE_ID", self.appwrite_database_id),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"STORAGE_DRIVER=appwrite needs {', '.join(missing)}")
        from webapp.storage.appwrite import appwrite_url

        return appwrite_url(
            self.appwrite_endpoint,
            self.appwrite_project,
            self.appwrite_key,
            self.appwrite_database_id,
        )

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def load_or_create_secret(instance: Path) -> str:
    """The secret key lives in ``instance/secret_key``, generated once on first start."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
