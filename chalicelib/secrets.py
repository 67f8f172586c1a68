"""Secrets by setting name: the environment locally, SSM Parameter Store SecureStrings in AWS.

``get_secret("VEILLE_TALLY_SECRET")`` reads the environment variable of that name; when it is not
set and ``VEILLE_SSM_PREFIX`` is (as in the deployed stack), it reads the SecureString
``<prefix>/VEILLE_TALLY_SECRET`` through Powertools parameters, cached for five minutes.
Values are never logged.
"""

from __future__ import annotations

import os

SSM_CACHE_SECONDS = 300


def get_secret(name: str) -> str | None:
    """The secret named ``name``, or None when it is configured nowhere.

    Raises ``SecretUnavailableError`` when SSM fails for another reason (throttling, network, access):
    a secret that could not be read is not a secret that does not exist.
    """
    value = os.environ.get(name)
    if value:
        return value
    prefix = os.environ.get("VEILLE_SSM_PREFIX")
    if not prefix:
        return None
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        secret = parameters.get_parameter(f"{prefix.rstrip('/')}/{name}", decrypt=True, max_age=SSM_CACHE_SECONDS)
    except GetParameterError as exc:
        # Powertools wraps every failure; botocore's message names the error code.
        if "ParameterNotFound" in str(exc):
            return None
        from chalicelib.errors import SecretUnavailableError

        raise SecretUnavailableError(
            f"cannot read {name} from SSM Parameter Store ({type(exc).__name__}); retry later, "
            "and check the function's ssm:GetParameter permission if it persists"
        ) from exc
    return str(secret) if secret else None
