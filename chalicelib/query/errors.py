"""The one error a query can raise: where it is wrong, and what to do about it."""

from __future__ import annotations


class QuerySyntaxError(ValueError):
    """The query text cannot be compiled.

    ``column`` is 1-based and points at the offending character; ``reason`` says what is wrong and
    how to fix it. The message reads ``column 14: unclosed parenthesis opened here; add ")"``.
    """

    def __init__(self, column: int, reason: str, query: str = "") -> None:
        super().__init__(f"column {column}: {reason}")
        self.column = column
        self.reason = reason
        self.query = query

    def caret(self) -> str:
        """Two lines, the query then a caret under the offending column, for a terminal."""
        return f"{self.query}\n{' ' * (self.column - 1)}^"
