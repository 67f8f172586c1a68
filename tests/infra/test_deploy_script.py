"""scripts/deploy.sh --secrets-only against a stand-in ``aws`` command that records what it was asked."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
FAKE_AWS = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >> "$AWS_LOG"
case "$1 $2" in
  "sts get-caller-identity") echo 123456789012 ;;
  "configure get") echo eu-west-3 ;;
  "ssm get-parameter") [[ "$*" == *"/veille/dev/VEILLE_API_TOKEN "* ]] && { echo SecureString; exit 0; }; exit 255 ;;
  "ssm put-parameter") cat > "$AWS_STDIN/$4.stdin" ;;
esac
"""


@pytest.fixture
def fake_aws(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(FAKE_AWS)
    (bin_dir / "aws").chmod(0o755)
    stdin_dir = tmp_path / "stdin"
    (stdin_dir / "veille" / "dev").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEILLE_", "AWS_"))}
    env.update(PATH=f"{bin_dir}:{env['PATH']}", AWS_LOG=str(tmp_path / "aws.log"), AWS_STDIN=str(stdin_dir))
    return env


def test_deploy_stores_missing_secrets_as_securestrings_through_stdin(fake_aws: dict[str, str], tmp_path: Path) -> None:
    # Given one secret already in SSM (VEILLE_API_TOKEN) and one in the environment
    env = {**fake_aws, "VEILLE_TALLY_SECRET": "tally-s3cret-value", "VEILLE_API_TOKEN": "would-overwrite"}
    # When the deploy script stores secrets
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "deploy.sh"), "--secrets-only"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    # Then it stores the new one as a SecureString, leaves the existing one alone, and never shows a value
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "aws.log").read_text().splitlines()
    puts = [c for c in calls if c.startswith("ssm put-parameter")]
    assert len(puts) == 1
    assert "--name /veille/dev/VEILLE_TALLY_SECRET " in puts[0]
    assert "--type SecureString" in puts[0]
    assert (tmp_path / "stdin" / "veille" / "dev" / "VEILLE_TALLY_SECRET.stdin").read_text() == "tally-s3cret-value"
    for text in ("\n".join(calls), result.stdout, result.stderr):
        assert "tally-s3cret-value" not in text
        assert "would-overwrite" not in text
    assert "VEILLE_API_TOKEN: stored\n" in result.stdout
    assert "VEILLE_SLACK_WEBHOOK_URL: not set" in result.stdout


def test_deploy_stores_the_source_credentials_veille_sources_lists(fake_aws: dict[str, str], tmp_path: Path) -> None:
    # Given a GitHub token and Reddit app credentials in the environment
    env = {**fake_aws, "VEILLE_GITHUB_TOKEN": "ghp-s3cret", "VEILLE_REDDIT_CLIENT_ID": "reddit-id"}
    # When the deploy script stores secrets
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "deploy.sh"), "--secrets-only"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    # Then both are stored under the stage prefix, and an unset one is reported as such
    assert result.returncode == 0, result.stderr
    stored = tmp_path / "stdin" / "veille" / "dev"
    assert (stored / "VEILLE_GITHUB_TOKEN.stdin").read_text() == "ghp-s3cret"
    assert (stored / "VEILLE_REDDIT_CLIENT_ID.stdin").read_text() == "reddit-id"
    assert "VEILLE_YOUTUBE_API_KEY: not set" in result.stdout
