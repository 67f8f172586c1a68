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
    """The secret named ``name``, or None when it is configured nowhere."""
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
    except GetParameterError:
        return None
    return str(secret) if secret else None
