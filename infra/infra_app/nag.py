"""cdk-nag (AwsSolutions) suppressions, each scoped to one finding on one resource, with its reason."""

from __future__ import annotations

from typing import Any

from cdk_nag import NagSuppressions, RegexAppliesTo

from infra_app.stack import FUNCTIONS, VeilleStack

XRAY = "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (Resource must be *)."
SES = (
    "SES authorises ses:SendEmail against every identity in the message (recipients too while in the sandbox); "
    "the statement is pinned to our sender by the ses:FromAddress condition instead."
)
LIST_STREAMS = (
    "ListStreams is granted on this table's streams only (<table>/stream/*), the scope AWS documents for "
    "Lambda stream consumers; the data actions use the exact stream ARN."
)


def suppress(stack: VeilleStack) -> None:
    """Attach the few suppressions Veille needs, scoped to the resources they concern."""
    for name, policy in stack.policies.items():
        access = FUNCTIONS[name]
        findings: list[dict[str, Any]] = [
            {"id": "AwsSolutions-IAM5", "reason": XRAY, "applies_to": ["Resource::*"]},
        ]
        if access.notify:
            findings.append(
                {
                    "id": "AwsSolutions-IAM5",
                    "reason": SES,
                    "applies_to": ["Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*"],
                }
            )
        if access.stream:
            findings.append(
                {
                    "id": "AwsSolutions-IAM5",
                    "reason": LIST_STREAMS,
                    "applies_to": [RegexAppliesTo(regex="/^Resource::<Table[0-9A-F]*\\.Arn>\\/stream\\/\\*$/")],
                }
            )
        NagSuppressions.add_resource_suppressions(policy, findings)
