"""CDK entry point: ``cd infra && python -m infra_app.synth`` (or ``npx aws-cdk synth``, see cdk.json).

Works offline without an AWS account (the stack is environment-agnostic). ``chalice.cdk`` runs
``chalice package`` during the synth, which needs PyPI to fetch the arm64 wheels the first time
(Chalice caches the package under ``.chalice/deployments/``). cdk-nag's AwsSolutions pack runs as an
Aspect; any unsuppressed finding fails the synth.

Context (``-c key=value``): ``stage`` (dev), ``senderEmail`` (the SES sender), ``logRetentionDays`` (30),
``publicUrl`` (the app's public base URL when it has a custom domain; default: the API endpoint),
``classifierBackend`` (builtin, comprehend or bedrock: sets VEILLE_CLASSIFIER_BACKEND and grants what it calls).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra_app.nag import suppress  # noqa: E402
from infra_app.stack import VeilleStack  # noqa: E402


def build(app: cdk.App) -> VeilleStack:
    """The stack for the app's context, with cdk-nag attached (checked when the app synthesises)."""
    stage = str(app.node.try_get_context("stage") or "dev")
    sender = app.node.try_get_context("senderEmail")
    retention = int(app.node.try_get_context("logRetentionDays") or 30)
    public_url = app.node.try_get_context("publicUrl")
    stack = VeilleStack(
        app,
        stage,
        sender_email=str(sender) if sender else None,
        log_retention_days=retention,
        public_url=str(public_url) if public_url else None,
        classifier_backend=str(app.node.try_get_context("classifierBackend") or "builtin"),
        tracing=str(app.node.try_get_context("tracing") or "active"),
    )
    suppress(stack)
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return stack


def errors_of(assembly: cdk.cx_api.CloudAssembly) -> list[str]:
    """Every error annotation (cdk-nag findings included) of every stack, as ``path: message``."""
    return [
        f"{message.id}: {message.entry.data}"
        for artifact in assembly.stacks
        for message in artifact.messages
        if message.level == cdk.cx_api.SynthesisMessageLevel.ERROR
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Synthesise Veille's stack (the cdk CLI runs this too).")
    parser.add_argument(
        "-c", "--context", action="append", default=[], metavar="KEY=VALUE", help="CDK context, as with cdk synth -c"
    )
    args = parser.parse_args(argv)
    context = dict(item.split("=", 1) for item in args.context)
    # The cdk CLI passes its output directory in CDK_OUTDIR; run directly, write ./cdk.out. Absolute, because
    # the build below runs in a scratch directory.
    outdir = str(Path(os.environ.get("CDK_OUTDIR") or "cdk.out").resolve())
    if not (REPO_ROOT / "chalicelib" / "veille.toml").exists():
        print(
            "note: chalicelib/veille.toml is missing; scripts/deploy.sh copies veille.toml there before deploying",
            file=sys.stderr,
        )
    # chalice.cdk writes a full package copy into ./chalice.out on every synth; the assets are staged into
    # cdk.out, so build in a scratch directory that goes away afterwards.
    home = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="veille-synth-") as scratch:
        os.chdir(scratch)
        try:
            app = cdk.App(outdir=outdir, context=context or None)
            stack = build(app)
            assembly = app.synth()
        finally:
            os.chdir(home)
    errors = errors_of(assembly)
    for error in errors:
        print(f"error {error}", file=sys.stderr)
    if errors:
        print(
            f"synth failed: {len(errors)} error(s) (cdk-nag findings must be fixed or suppressed with a reason)",
            file=sys.stderr,
        )
        return 1
    print(f"synthesised stack {stack.stack_name} into {Path(assembly.directory).resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
