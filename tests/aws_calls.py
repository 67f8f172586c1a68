"""Record every AWS operation each Lambda function's code makes, for the IAM coverage test.

:func:`install` registers a botocore ``provide-client-params`` hook on every client built from then on
(boto3's default session, Powertools' own sessions, the store's, the notify adapters'), and wraps
``chalicelib.secrets.get_secret`` (locally a secret comes from the environment; deployed, the same
call is an ``ssm:GetParameter`` on ``<prefix>/<name>``). Each call is attributed to the function whose
entry point is on the calling thread's stack (``app.py``'s handlers, the pipelines they call, the API
blueprints); calls made by the tests themselves (creating tables, seeding) belong to no function and
are ignored. ``tests/infra/test_iam_coverage.py`` compares the record with the synthesised roles.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# (file relative to the repository, function name or "*") -> the Chalice function (logical id) it runs in.
# The stream poller of the local runtime plays Lambda's event source mapping, which reads the stream
# with the function's own role.
ENTRY_POINTS: dict[tuple[str, str], str] = {
    ("app.py", "fetch_mentions"): "FetchMentions",
    ("app.py", "classify_mentions"): "ClassifyMentions",
    ("app.py", "send_digests"): "SendDigests",
    ("app.py", "retry_alerts"): "RetryAlerts",
    ("app.py", "discover_themes"): "DiscoverThemes",
    ("app.py", "health"): "APIHandler",
    ("chalicelib/handlers.py", "fetch_mentions"): "FetchMentions",
    ("chalicelib/handlers.py", "classify_stream"): "ClassifyMentions",
    ("chalicelib/handlers.py", "send_digests"): "SendDigests",
    ("chalicelib/handlers.py", "retry_alerts"): "RetryAlerts",
    ("chalicelib/handlers.py", "discover_themes"): "DiscoverThemes",
    ("chalicelib/themes/job.py", "discover_themes"): "DiscoverThemes",
    ("chalicelib/pipeline/pending.py", "retry_pending_alerts"): "RetryAlerts",
    ("chalicelib/handlers.py", "health"): "APIHandler",
    ("chalicelib/pipeline/fetch.py", "run_fetch"): "FetchMentions",
    ("chalicelib/pipeline/stream.py", "process_stream"): "ClassifyMentions",
    ("chalicelib/digest/send.py", "send_due_digests"): "SendDigests",
    ("chalicelib/api/rest.py", "*"): "APIHandler",
    ("chalicelib/api/web.py", "*"): "APIHandler",
    ("chalicelib/api/webhooks.py", "*"): "APIHandler",
    ("veille/runtime/poller.py", "poll_once"): "ClassifyMentions",
}
# botocore service id -> the IAM service prefix of its actions.
IAM_SERVICE = {"dynamodbstreams": "dynamodb", "sesv2": "ses", "sso": "sso"}

_lock = threading.Lock()
_calls: dict[str, set[tuple[str, str]]] = defaultdict(set)
_installed = False


def function_on_stack() -> str | None:
    """The Lambda function whose entry point is outermost on the current thread's stack, if any."""
    frame = sys._getframe(1)
    found: str | None = None
    while frame is not None:
        try:
            path = Path(frame.f_code.co_filename).resolve().relative_to(ROOT).as_posix()
        except ValueError:
            path = ""
        if path:
            name = ENTRY_POINTS.get((path, frame.f_code.co_name)) or ENTRY_POINTS.get((path, "*"))
            if name:
                found = name  # keep walking: the outermost entry point is the function
        frame = frame.f_back  # type: ignore[assignment]
    return found


def resource_of(service: str, operation: str, params: dict[str, Any]) -> str:
    """What the call touches, in the symbols tests/infra/test_iam_coverage.py gives the template's ARNs."""
    if service == "dynamodb":
        if "IndexName" in params:
            return f"index/{params['IndexName']}"
        return "table"
    if service == "dynamodbstreams":
        return "stream/*" if operation == "ListStreams" else "stream"
    if service == "ssm":
        return "secret:" + str(params.get("Name", "")).rsplit("/", 1)[-1]
    if service == "sns":
        return "topic"
    if service == "sesv2":
        return "ses-identity"
    return "*"


def record(function: str, action: str, resource: str) -> None:
    with _lock:
        _calls[function].add((action, resource))


def _on_params(params: dict[str, Any], model: Any, **_: Any) -> None:
    function = function_on_stack()
    if function is None:
        return
    service = model.service_model.service_name
    action = f"{IAM_SERVICE.get(service, service)}:{model.name}"
    record(function, action, resource_of(service, model.name, params))


def calls() -> dict[str, set[tuple[str, str]]]:
    """Every (IAM action, resource symbol) recorded so far, by function."""
    with _lock:
        return {name: set(found) for name, found in _calls.items()}


def install() -> None:
    """Hook every botocore client created from now on, and ``get_secret``; idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    from botocore.client import ClientCreator

    create = ClientCreator.create_client

    @functools.wraps(create)
    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create(self, *args, **kwargs)
        client.meta.events.register("provide-client-params", _on_params)
        return client

    ClientCreator.create_client = create_client  # type: ignore[method-assign]

    import chalicelib.secrets as secrets

    get_secret = secrets.get_secret

    @functools.wraps(get_secret)
    def recorded_get_secret(name: str) -> str | None:
        function = function_on_stack()
        if function is not None:
            record(function, "ssm:GetParameter", f"secret:{name}")
        return get_secret(name)

    secrets.get_secret = recorded_get_secret  # type: ignore[assignment]
