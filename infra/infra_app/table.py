"""The single table, built from ``chalicelib.store.schema`` so that the local runtime and AWS never disagree."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from chalicelib.store import schema

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def _key(request: dict[str, Any], key_schema: list[dict[str, str]], key_type: str) -> dynamodb.Attribute:
    name = next(k["AttributeName"] for k in key_schema if k["KeyType"] == key_type)
    kind = next(a["AttributeType"] for a in request["AttributeDefinitions"] if a["AttributeName"] == name)
    return dynamodb.Attribute(name=name, type=_ATTRIBUTE_TYPES[kind])


def table_from_schema(scope: Construct, construct_id: str) -> dynamodb.Table:
    """The table of ``schema.create_table_request`` plus what CreateTable cannot say: TTL, PITR, retention.

    On-demand billing, NEW_IMAGE stream, any secondary index (none today) and the key names all come from the
    schema module; the table name is left to CloudFormation and handed to the functions as
    ``VEILLE_TABLE_NAME``.
    """
    request = schema.create_table_request("unused")
    assert request["BillingMode"] == "PAY_PER_REQUEST", "infra/ only knows on-demand tables"
    table = dynamodb.Table(
        scope,
        construct_id,
        partition_key=_key(request, request["KeySchema"], "HASH"),
        sort_key=_key(request, request["KeySchema"], "RANGE"),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        stream=dynamodb.StreamViewType(request["StreamSpecification"]["StreamViewType"]),
        time_to_live_attribute=schema.TTL_ATTRIBUTE,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        # Mentions are the product: deleting the stack must never delete them.
        removal_policy=RemovalPolicy.RETAIN,
    )
    for index in request.get("GlobalSecondaryIndexes", []):
        projection = index["Projection"]
        table.add_global_secondary_index(
            index_name=index["IndexName"],
            partition_key=_key(request, index["KeySchema"], "HASH"),
            sort_key=_key(request, index["KeySchema"], "RANGE"),
            projection_type=_PROJECTIONS[projection["ProjectionType"]],
            non_key_attributes=projection.get("NonKeyAttributes"),
        )
    return table
