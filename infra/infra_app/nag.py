"""cdk-nag (AwsSolutions) suppressions, each scoped to one finding on one resource, with its reason."""

from __future__ import annotations

from cdk_nag import NagPackSuppression, NagSuppressions, RegexAppliesTo

from infra_app.stack import FUNCTIONS, VeilleStack

XRAY = "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (Resource must be *)."
COMPREHEND = " Comprehend BatchDetectSentiment/DetectToxicContent have no resource-level permissions either."
SES = (
    "SES authorises ses:SendEmail against every identity in the message (recipients too while in the sandbox); "
    "the statement is pinned to our sender by the ses:FromAddress condition instead."
)
LIST_STREAMS = (
    "ListStreams is granted on this table's streams only (<table>/stream/*), the scope AWS documents for "
    "Lambda stream consumers; the data actions use the exact stream ARN."
)

NO_API_AUTHORISER = (
    "Veille authenticates in the app, not in API Gateway: each webhook provider's signature or token, a bearer "
    "token for the API, HMAC-signed triage links, and /health and /app show nothing private without the token. "
    "A gateway authoriser could not check the webhook signatures, which cover the raw body."
)


def suppress(stack: VeilleStack) -> None:
    """Acknowledge each expected IAM5 finding by its exact resource, policy by policy (never rule-wide), and
    the HTTP API routes' missing authoriser, route by route."""
    ses_identities = "Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*"
    table_streams = RegexAppliesTo(regex="/^Resource::<Table[0-9A-F]*\\.Arn>\\/stream\\/\\*$/")
    for name, policy in stack.policies.items():
        access = FUNCTIONS[name]
        # One finding covers every "*" resource of the policy, so its reason must cover each of them.
        any_resource = XRAY + (COMPREHEND if access.stream and stack.classifier_backend == "comprehend" else "")
        findings = [NagPackSuppression(id="AwsSolutions-IAM5", reason=any_resource, applies_to=["Resource::*"])]
        if access.notify:
            findings.append(NagPackSuppression(id="AwsSolutions-IAM5", reason=SES, applies_to=[ses_identities]))
        if access.stream:
            findings.append(NagPackSuppression(id="AwsSolutions-IAM5", reason=LIST_STREAMS, applies_to=[table_streams]))
        NagSuppressions.add_resource_suppressions(policy, findings)
    # APIG4 (a route without an authoriser) is not a granular finding: it is suppressed route by route.
    for route in stack.http_routes.values():
        NagSuppressions.add_resource_suppressions(
            route, [NagPackSuppression(id="AwsSolutions-APIG4", reason=NO_API_AUTHORISER)]
        )
