"""The only Logger, Tracer and Metrics instances of the app.

Powertools is imported here; building these objects is cheap (no AWS calls), so they may live at
module level as Powertools recommends.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="veille")
tracer = Tracer(service="veille")
metrics = Metrics(namespace="Veille", service="veille")
