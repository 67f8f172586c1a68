"""The data-access layer: the only code that talks to DynamoDB."""

from chalicelib.store.repo import Store, get_store

__all__ = ["Store", "get_store"]
