"""HTTP for connectors: bounded retries of 429/5xx/timeouts that honour Retry-After, clear errors.

Retries use stamina (exponential backoff with jitter, bounded in attempts and time). A 429 or 503
with ``Retry-After`` waits that long (capped) before the next try.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from typing import Any

import httpx
import stamina

from chalicelib.errors import SourceError

MAX_RETRY_AFTER_S = 30.0
GZIP_MAGIC = b"\x1f\x8b"


class RetryableHTTPError(Exception):
    """A 429 or 5xx answer: worth another try after a pause."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code} from {response.request.url.host}")
        self.response = response


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds asked by ``Retry-After`` (delta-seconds form), capped; None if absent or unusable."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S)
    except ValueError:
        return None


def _send(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    response = client.send(request)
    if response.status_code == 429 or response.status_code >= 500:
        pause = retry_after_seconds(response)
        if pause:
            time.sleep(pause)
        raise RetryableHTTPError(response)
    return response


def request(
    client: httpx.Client,
    source: str,
    method: str,
    url: str,
    *,
    attempts: int = 3,
    timeout_s: float = 30.0,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request with retries; raise SourceError with a clear message when it cannot succeed.

    4xx answers other than 429 are returned to the caller, which knows what they mean.
    """
    req = client.build_request(method, url, **kwargs)
    retrying = stamina.retry_context(
        on=(RetryableHTTPError, httpx.TransportError),
        attempts=attempts,
        timeout=timeout_s,
        wait_initial=0.2,
        wait_max=5.0,
    )
    try:
        for attempt in retrying:
            with attempt:
                return _send(client, req)
    except RetryableHTTPError as exc:
        raise SourceError(
            source,
            f"{exc} after {attempts} tries; the service is rate-limiting or down, Veille will retry next run",
        ) from exc
    except httpx.TimeoutException as exc:
        raise SourceError(source, f"timed out reaching {req.url.host}; check the base_url or raise timeout_s") from exc
    except httpx.TransportError as exc:
        raise SourceError(source, f"cannot reach {req.url.host}: {exc}; check the base_url and the network") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def status_hint(code: int) -> str:
    """What a 4xx status most likely means for a connector, and what to do about it."""
    return {
        401: "the credentials were refused; check the source's settings (veille sources)",
        403: "access forbidden or blocked; check the credentials and the API's terms",
        404: "not found; check the base_url and the ids in the config",
    }.get(code, "the request was refused")


def check_status(source: str, response: httpx.Response) -> None:
    """Turn a 4xx answer into a SourceError that says what to do."""
    code = response.status_code
    if code < 400:
        return
    raise SourceError(source, f"HTTP {code} from {response.request.url.host}: {status_hint(code)}")


def api_error_detail(response: httpx.Response) -> str | None:
    """The API's own explanation in a JSON error body, when it gives one (short, for the message).

    Knows the shapes of the connectors' APIs: Stack Exchange ``error_name``/``error_message``,
    Google ``error.message``, GitHub/Reddit/Bluesky/Mastodon ``message`` or ``error``.
    """
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    reason = body.get("error_name")
    if isinstance(error, dict):  # Google: {"error": {"message": ..., "errors": [{"reason": "quotaExceeded"}]}}
        details = error.get("errors")
        if isinstance(details, list) and details and isinstance(details[0], dict):
            reason = details[0].get("reason")
        error = error.get("message")
    parts = [reason, body.get("error_message") or body.get("message") or error]
    detail = ": ".join(str(p) for p in parts if p)
    return detail[:300] or None


def decode_json(source: str, response: httpx.Response) -> Any:
    """The JSON body of a response; a non-JSON or truncated body is a SourceError naming the problem."""
    content_type = response.headers.get("content-type", "")
    try:
        if response.content[:2] == GZIP_MAGIC:
            # Stack Exchange may send gzip without Content-Encoding ("if it is missing, assume GZIP").
            return json.loads(gzip.decompress(response.content))
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, gzip.BadGzipFile, EOFError, zlib.error) as exc:
        kind = "HTML" if "html" in content_type or response.text.lstrip().startswith("<") else "invalid JSON"
        raise SourceError(
            source, f"expected JSON from {response.request.url.host}, got {kind} ({exc.__class__.__name__})"
        ) from exc


def get_json(client: httpx.Client, source: str, url: str, **kwargs: Any) -> Any:
    """GET a JSON document; a non-JSON or truncated body is a SourceError naming the problem."""
    response = request(client, source, "GET", url, **kwargs)
    check_status(source, response)
    return decode_json(source, response)


def fetch_json(client: httpx.Client, source: str, method: str, url: str, **kwargs: Any) -> Any:
    """Like :func:`get_json` for any method, with the API's own error message added to a 4xx SourceError."""
    response = request(client, source, method, url, **kwargs)
    if response.status_code >= 400:
        code = response.status_code
        detail = api_error_detail(response)
        said = f" (the API said: {detail})" if detail else ""
        raise SourceError(source, f"HTTP {code} from {response.request.url.host}: {status_hint(code)}{said}")
    return decode_json(source, response)
