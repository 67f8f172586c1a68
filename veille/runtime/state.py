"""``<data-dir>/serve.json``: where a running ``veille serve`` can be reached, for the other commands.

``veille serve`` writes it once ready and removes it when it stops; ``veille digest`` reads it to use
the running server's DynamoDB Local instead of opening the same data directory a second time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_FILE = "serve.json"


def write_state(data_dir: Path, **state: Any) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**state, "pid": os.getpid()}, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def remove_state(data_dir: Path) -> None:
    (data_dir / STATE_FILE).unlink(missing_ok=True)


def running_server(data_dir: Path) -> dict[str, Any] | None:
    """The state of a live ``veille serve`` on ``data_dir``, or None (no file, unreadable, or its process is gone)."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if isinstance(state, dict) else None
