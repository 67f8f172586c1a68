"""Mention classification: language, sentiment, complaint, spam, offensive, lead, needs_reply, urgency.

Importing this package is cheap: the model loads at the first `get_classifier()` call, and the AWS
backends create their boto3 clients at their first use.
"""

from __future__ import annotations

from functools import cache

from chalicelib.classify.schema import Classifier, ClassifyInput, Labels

BACKENDS = ("builtin", "comprehend", "bedrock")

__all__ = ["BACKENDS", "Classifier", "ClassifyInput", "Labels", "get_classifier"]


def get_classifier(backend: str = "builtin") -> Classifier:
    """The classifier for a backend name, built once per process (the model loads on the first call)."""
    return _build(backend)


@cache
def _build(backend: str) -> Classifier:
    if backend == "builtin":
        from chalicelib.classify.builtin import shared_builtin

        return shared_builtin()
    if backend == "comprehend":
        from chalicelib.classify.comprehend import ComprehendClassifier

        return ComprehendClassifier()
    if backend == "bedrock":
        from chalicelib.classify.bedrock import BedrockClassifier

        return BedrockClassifier()
    raise ValueError(f"unknown classifier backend {backend!r}: use one of {', '.join(BACKENDS)}")
