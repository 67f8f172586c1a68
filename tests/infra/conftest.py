"""Synthesise the CDK stack once per test session (chalice package makes it slow: ~25 s warm, minutes cold)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from infra_support import SENDER, Synth

INFRA_DIR = Path(__file__).resolve().parents[2] / "infra"


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    if str(INFRA_DIR) not in sys.path:
        sys.path.insert(0, str(INFRA_DIR))
    import aws_cdk as cdk
    from aws_cdk.assertions import Annotations, Match, Template
    from infra_app.synth import build

    # chalice.cdk writes chalice.out/ into the working directory: keep it out of the repository.
    work = tmp_path_factory.mktemp("cdk")
    previous = Path.cwd()
    os.chdir(work)
    try:
        app = cdk.App(outdir=str(work / "cdk.out"), context={"stage": "dev", "senderEmail": SENDER})
        stack = build(app)
        template = Template.from_stack(stack)
        annotations = Annotations.from_stack(stack)
        nag = Match.string_like_regexp("AwsSolutions-.*")
        yield Synth(
            stack=stack,
            template=template,
            resources=template.to_json()["Resources"],
            nag_errors=[str(e.entry.data) for e in annotations.find_error("*", nag)],
            nag_warnings=[str(w.entry.data) for w in annotations.find_warning("*", nag)],
        )
    finally:
        os.chdir(previous)
