"""Runtime settings, read lazily from the environment (and SSM Parameter Store in AWS).

Nothing here runs at import time: call :func:`get_settings` inside a handler. Tests clear the cache
with ``get_settings.cache_clear()`` after changing the environment.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob Veille reads, with its environment variable name ``VEILLE_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="VEILLE_", extra="ignore")

    table_name: str = "veille"
    dynamodb_endpoint: str | None = None
    region: str = Field(default="us-east-1")
    config: Path = Path("veille.toml")
    retention_days: int = 90
    stage: str = "dev"

    # Webhook secrets (issue 4). In AWS these come from SSM SecureStrings (see secrets.py).
    typeform_secret: SecretStr | None = None
    tally_secret: SecretStr | None = None
    formspree_secret: SecretStr | None = None
    google_forms_secret: SecretStr | None = None
    generic_secret: SecretStr | None = None
    jotform_token: SecretStr | None = None
    fillout_token: SecretStr | None = None
    webhook_max_bytes: int = 256 * 1024
    webhook_tolerance_s: int = 300
    drop_personal_data: bool = False

    # API, alerts and digests.
    api_token: SecretStr | None = None
    link_secret: SecretStr | None = None
    public_url: str = "http://127.0.0.1:8000"
    alert_topic_arn: str | None = None
    slack_webhook_url: SecretStr | None = None
    ses_sender: str | None = None
    ssm_prefix: str | None = None
    classifier_backend: str = "builtin"


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return Settings()
