"""Domain errors. Adapters translate library exceptions into these; handlers map them to answers."""

from __future__ import annotations


class VeilleError(Exception):
    """Base of every error Veille raises on purpose."""


class ConfigError(VeilleError):
    """The watch configuration is invalid; the message names the key and what to change."""


class StorageError(VeilleError):
    """DynamoDB refused or failed a request after retries."""


class ThrottledError(StorageError):
    """DynamoDB throttled the request after retries; safe to retry later."""


class ItemRejectedError(StorageError):
    """DynamoDB refused the item itself (too large, invalid): retrying the same item can never succeed."""


class SecretUnavailableError(StorageError):
    """The settings store (SSM) failed to answer: the secret may exist; retry later (503, never 404)."""


class DigestError(VeilleError):
    """At least one digest could not be built or sent; the others were sent, the failed ones retry next hour."""


class SourceError(VeilleError):
    """A source could not be fetched or parsed; the cursor must not move."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
