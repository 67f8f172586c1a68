"""Secrets: the environment locally, SSM SecureStrings in AWS; an SSM outage is not a missing secret.

Clients come from their own boto3 Session: boto3's default session would keep these tests' fake
credentials, and DynamoDB Local keeps one database per access key.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from chalicelib.errors import SecretUnavailableError
from chalicelib.intake.service import InboundRequest, IntakeDeps, receive
from chalicelib.secrets import get_secret


@pytest.fixture
def ssm_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VEILLE_SSM_PREFIX", "/veille/test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("VEILLE_TALLY_SECRET", raising=False)
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    yield
    parameters.clear_caches()


def test_the_environment_wins_then_ssm_then_nothing(ssm_env, monkeypatch: pytest.MonkeyPatch):
    with mock_aws():
        boto3.session.Session().client("ssm").put_parameter(
            Name="/veille/test/VEILLE_TALLY_SECRET", Value="from-ssm", Type="SecureString"
        )
        assert get_secret("VEILLE_TALLY_SECRET") == "from-ssm"
        assert get_secret("VEILLE_TYPEFORM_SECRET") is None
        monkeypatch.setenv("VEILLE_TALLY_SECRET", "from-env")
        assert get_secret("VEILLE_TALLY_SECRET") == "from-env"


def _throttled_ssm(monkeypatch: pytest.MonkeyPatch):
    """Powertools' SSM provider on a client whose next GetParameter is throttled."""
    from aws_lambda_powertools.utilities import parameters

    client = boto3.session.Session().client("ssm", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error("get_parameter", service_error_code="ThrottlingException", http_status_code=400)
    stubber.activate()
    monkeypatch.setitem(parameters.base.DEFAULT_PROVIDERS, "ssm", parameters.SSMProvider(boto3_client=client))
    return stubber


def test_an_ssm_failure_raises_instead_of_saying_the_secret_is_missing(ssm_env, monkeypatch):
    _throttled_ssm(monkeypatch)
    with pytest.raises(SecretUnavailableError, match=r"VEILLE_TALLY_SECRET.*retry later"):
        get_secret("VEILLE_TALLY_SECRET")


def test_a_webhook_gets_503_not_404_while_ssm_is_unavailable(ssm_env, monkeypatch):
    _throttled_ssm(monkeypatch)
    stored = []

    class Store:
        def put_mention(self, mention):
            stored.append(mention)
            return True

    deps = IntakeDeps(store=Store(), secret=get_secret, route=lambda provider, form: None)  # type: ignore[arg-type]
    reply = receive(InboundRequest(provider="tally", body=b"{}", headers={"Content-Type": "application/json"}), deps)
    assert reply.status == 503 and stored == []
