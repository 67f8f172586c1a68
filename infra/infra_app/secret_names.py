"""The SSM SecureString names the deployed app reads, derived from the code (never re-typed).

Every ``SecretStr`` field of :class:`chalicelib.settings.Settings` is a secret named ``VEILLE_<FIELD>``,
and so is every setting a source connector lists in ``settings`` (its credentials, as ``veille sources``
shows them); ``chalicelib.secrets.get_secret`` reads each from ``<VEILLE_SSM_PREFIX>/<NAME>``.
:func:`secrets_of` says which function reads which, so each role may read only those.
``python -m infra_app.secret_names`` prints one name a line (``scripts/deploy.sh`` uses it).
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
API_TOKEN = "VEILLE_API_TOKEN"  # noqa: S105 - names of secrets, not their values
LINK_SECRET = "VEILLE_LINK_SECRET"  # noqa: S105
SLACK_WEBHOOK_URL = "VEILLE_SLACK_WEBHOOK_URL"


def _repo_on_path() -> None:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))


def settings_secret_names() -> list[str]:
    """Names of every secret setting of ``Settings``, in declaration order."""
    _repo_on_path()
    from pydantic import SecretStr

    from chalicelib.settings import Settings

    return [
        f"VEILLE_{name.upper()}"
        for name, field in Settings.model_fields.items()
        if field.annotation is SecretStr or SecretStr in typing.get_args(field.annotation)
    ]


def webhook_secret_names() -> list[str]:
    """The setting each form provider's signature or token is checked against."""
    _repo_on_path()
    from chalicelib.intake.providers import PROVIDER_MODULES, get_provider

    names = [provider.SETTING for name in PROVIDER_MODULES if (provider := get_provider(name)) is not None]
    return list(dict.fromkeys(names))


def source_credential_names() -> list[str]:
    """Every credential a source connector reads (``veille sources`` lists the same)."""
    _repo_on_path()
    from chalicelib.sources import SOURCE_TYPES, get_source

    names = [setting for kind in SOURCE_TYPES for setting in get_source(kind).settings]
    return list(dict.fromkeys(names))


def secret_names() -> list[str]:
    """Every secret any function reads: the secret settings, then the source credentials."""
    return list(dict.fromkeys([*settings_secret_names(), *source_credential_names()]))


def secrets_of(function: str) -> list[str]:
    """The secrets one Chalice function's code reads (logical id), and no other.

    The API checks webhook signatures, the bearer token and triage links; the stream, the fetch and the alert
    retry send alerts (Slack); the digest sends digests with signed triage links; only the fetch logs in to sources.
    """
    reads = {
        "APIHandler": [*webhook_secret_names(), API_TOKEN, LINK_SECRET],
        "FetchMentions": [*source_credential_names(), SLACK_WEBHOOK_URL],
        "ClassifyMentions": [SLACK_WEBHOOK_URL],
        "SendDigests": [SLACK_WEBHOOK_URL, LINK_SECRET],
        "RetryAlerts": [SLACK_WEBHOOK_URL],
        "DiscoverThemes": [],
    }
    return reads[function]


def ssm_prefix(stage: str) -> str:
    """Where a stage's secrets live in Parameter Store."""
    return f"/veille/{stage}"


if __name__ == "__main__":
    print("\n".join(secret_names()))
