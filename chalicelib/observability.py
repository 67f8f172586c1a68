"""The only Logger, Tracer and Metrics instances of the app.

Logger and Metrics are cheap to build (no AWS calls) and live at module level, as Powertools
recommends. The Tracer is different: Powertools' ``Tracer()`` imports the X-Ray SDK, which patches
botocore and httpx (about 0.4 s of cold start) and brings botocore into the package (16 MB zipped).
Lambda's own active tracing already records every invocation without it, so the SDK's subsegments
are opt-in: ``VEILLE_TRACING=1`` (set by ``infra/`` with ``-c tracing=sdk``, which also adds the
Powertools layer that carries the SDK). Until then ``tracer`` is a pass-through with the same
decorators, and nothing of X-Ray is imported.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="veille")
metrics = Metrics(namespace="Veille", service="veille")

TRACING_ENV = "VEILLE_TRACING"


def tracing_enabled() -> bool:
    return os.environ.get(TRACING_ENV, "").strip().lower() in ("1", "true", "on", "yes", "sdk")


class LazyTracer:
    """Powertools ``Tracer`` built on first use, and only when tracing is enabled."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._tracer: Any = None

    @property
    def enabled(self) -> bool:
        return tracing_enabled()

    def real(self) -> Any:
        """The Powertools Tracer (imports the X-Ray SDK: call only when ``enabled``)."""
        if self._tracer is None:
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(service=self.service)
        return self._tracer

    def capture_lambda_handler(
        self, lambda_handler: Callable[..., Any] | None = None, **options: Any
    ) -> Callable[..., Any]:
        """``@tracer.capture_lambda_handler`` (with or without options), decided at call time."""

        def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
            traced: list[Callable[..., Any]] = []

            @functools.wraps(handler)
            def wrapper(event: Any, context: Any) -> Any:
                if not self.enabled:
                    return handler(event, context)
                if not traced:
                    traced.append(self.real().capture_lambda_handler(handler, **options))
                return traced[0](event, context)

            return wrapper

        return decorate(lambda_handler) if lambda_handler is not None else decorate

    def capture_method(self, method: Callable[..., Any] | None = None, **options: Any) -> Callable[..., Any]:
        """``@tracer.capture_method``: a subsegment per call when tracing is on, a plain call otherwise."""

        def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
            traced: list[Callable[..., Any]] = []

            @functools.wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if not self.enabled:
                    return func(*args, **kwargs)
                if not traced:
                    traced.append(self.real().capture_method(func, **options))
                return traced[0](*args, **kwargs)

            return wrapper

        return decorate(method) if method is not None else decorate

    def put_annotation(self, key: str, value: Any) -> None:
        if self.enabled:
            self.real().put_annotation(key=key, value=value)

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        if self.enabled:
            self.real().put_metadata(key=key, value=value, namespace=namespace)


tracer = LazyTracer(service="veille")
