"""Intake: feedback from form tools, by signed webhook, with nothing lost and nothing forged.

``receive(InboundRequest, IntakeDeps) -> Reply`` is the whole of it; the route in
``chalicelib/api/webhooks.py`` only adapts Chalice's request to it. Pure: no boto3, no httpx.
"""

from chalicelib.intake.model import Answer, Delivery, PayloadError, SignatureError
from chalicelib.intake.service import InboundRequest, IntakeDeps, Reply, Route, production_deps, receive

__all__ = [
    "Answer",
    "Delivery",
    "InboundRequest",
    "IntakeDeps",
    "PayloadError",
    "Reply",
    "Route",
    "SignatureError",
    "production_deps",
    "receive",
]
