"""One JSONL input line as a model, or an error the user can act on (``veille classify``, ``veille themes``)."""

from __future__ import annotations

import json
from typing import Any


def parse_line(line: str, line_no: int, model: Any, needs: str) -> tuple[Any, str | None]:
    """(the ``model`` read from the line, None) or (None, the error naming the line); ``needs`` says, in the
    error, what each line must hold. A whole-number ``id`` is taken as its string."""
    from pydantic import ValidationError

    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"line {line_no}: not valid JSON ({exc.msg} at column {exc.colno}); expected one object per line"
    if not isinstance(obj, dict):
        return (
            None,
            f'line {line_no}: expected a JSON object like {{"id": "1", "text": "..."}}, got {type(obj).__name__}',
        )
    if isinstance(obj.get("id"), int) and not isinstance(obj["id"], bool):
        obj["id"] = str(obj["id"])
    try:
        return model.model_validate(obj), None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in exc.errors())
        return None, f"line {line_no}: {problems} ({needs})"
