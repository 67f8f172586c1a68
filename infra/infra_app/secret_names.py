"""The SSM SecureString names the deployed app reads, derived from ``chalicelib.settings`` (never re-typed).

Every ``SecretStr`` field of :class:`chalicelib.settings.Settings` is a secret named ``VEILLE_<FIELD>``;
``chalicelib.secrets.get_secret`` reads it from ``<VEILLE_SSM_PREFIX>/VEILLE_<FIELD>``.
``python -m infra_app.secret_names`` prints one name a line (``scripts/deploy.sh`` uses it).
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def secret_names() -> list[str]:
    """Names of every secret setting, in declaration order."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from pydantic import SecretStr

    from chalicelib.settings import Settings

    return [
        f"VEILLE_{name.upper()}"
        for name, field in Settings.model_fields.items()
        if field.annotation is SecretStr or SecretStr in typing.get_args(field.annotation)
    ]


def ssm_prefix(stage: str) -> str:
    """Where a stage's secrets live in Parameter Store."""
    return f"/veille/{stage}"


if __name__ == "__main__":
    print("\n".join(secret_names()))
