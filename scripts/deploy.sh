#!/usr/bin/env bash
# Deploy Veille to AWS with the CDK (see docs/deploy.md).
#
#   SENDER_EMAIL=alerts@yourdomain.example scripts/deploy.sh            # stage dev
#   STAGE=prod SENDER_EMAIL=... scripts/deploy.sh
#   CDK_CONTEXT="tracing=sdk classifierBackend=comprehend" STAGE=prod SENDER_EMAIL=... scripts/deploy.sh
#   scripts/deploy.sh --secrets-only                                     # only store missing secrets
#
# Environment:
#   STAGE             dev (default) or prod: the Chalice stage and the stack veille-<stage>
#   SENDER_EMAIL      the SES sender address (required; SES mails it a verification link)
#   CDK_CLI           the CDK command line (default: npx --yes aws-cdk@2.1148.1)
#   VEILLE_<SECRET>   a secret to store in SSM if it is not there yet, e.g. VEILLE_API_TOKEN
#   OVERWRITE_SECRETS 1 to replace secrets already stored
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="$ROOT/.venv/bin/python"
STAGE="${STAGE:-dev}"
PREFIX="/veille/$STAGE"
CDK_CLI="${CDK_CLI:-npx --yes aws-cdk@2.1148.1}"
SECRETS_ONLY=0
[[ "${1:-}" == "--secrets-only" ]] && SECRETS_ONLY=1

die() { echo "deploy: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }

step "Prerequisites"
command -v aws >/dev/null || die "the AWS CLI is missing: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
command -v npx >/dev/null || die "Node.js (npx) is missing: the CDK CLI runs on Node 22+"
[[ -x "$PYTHON" ]] || die "no .venv: run make install first"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || echo "warning: Chalice picks the Lambda runtime from this Python ($("$PYTHON" -V)); Veille targets python3.11"
ACCOUNT="$(aws sts get-caller-identity --query Account --output text)" \
  || die "no AWS credentials: aws configure (or export AWS_PROFILE) first"
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}"
[[ -n "$REGION" ]] || die "no region: export AWS_REGION=eu-west-3 (or aws configure set region ...)"
export AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION" CDK_DEFAULT_ACCOUNT="$ACCOUNT" CDK_DEFAULT_REGION="$REGION"
echo "account $ACCOUNT, region $REGION, stage $STAGE, secrets under $PREFIX"

step "Secrets (SSM SecureStrings under $PREFIX)"
# CloudFormation cannot create SecureString parameters, so they are stored here, outside the stack;
# the functions may read exactly these names (see infra/infra_app/secret_names.py).
missing=()
while read -r name; do
  [[ -n "$name" ]] || continue
  param="$PREFIX/$name"
  if aws ssm get-parameter --name "$param" --query Parameter.Type --output text >/dev/null 2>&1 \
     && [[ "${OVERWRITE_SECRETS:-0}" != 1 ]]; then
    echo "  $name: stored"
  elif [[ -n "${!name:-}" ]]; then
    # The value goes through stdin, never the command line (ps) or the terminal.
    printf '%s' "${!name}" | aws ssm put-parameter --name "$param" --type SecureString --overwrite \
      --value file:///dev/stdin --description "Veille $STAGE $name" >/dev/null
    echo "  $name: stored now"
  else
    missing+=("$name")
    echo "  $name: not set (optional; the feature that needs it stays off)"
  fi
done < <(cd "$ROOT/infra" && "$PYTHON" -m infra_app.secret_names)
if ((${#missing[@]})); then
  echo "  to add one later: read -rs VALUE && printf %s \"\$VALUE\" | aws ssm put-parameter --name $PREFIX/<NAME> \\"
  echo "      --type SecureString --value file:///dev/stdin --overwrite"
fi
((SECRETS_ONLY)) && exit 0

[[ -n "${SENDER_EMAIL:-}" ]] || die "set SENDER_EMAIL to the address digests and alerts come from"

step "Configuration"
[[ -f "$ROOT/veille.toml" ]] || die "no veille.toml at the repository root: write your watches there first"
cp "$ROOT/veille.toml" "$ROOT/chalicelib/veille.toml"
echo "copied veille.toml to chalicelib/veille.toml (packaged with the functions, VEILLE_CONFIG points at it)"

cd "$ROOT/infra"
CONTEXT=(-c "stage=$STAGE" -c "senderEmail=$SENDER_EMAIL")
# More CDK context, space-separated KEY=VALUE pairs, e.g. CDK_CONTEXT="tracing=sdk logRetentionDays=90"
for pair in ${CDK_CONTEXT:-}; do CONTEXT+=(-c "$pair"); done

step "CDK bootstrap (once per account and region)"
if aws cloudformation describe-stacks --stack-name CDKToolkit >/dev/null 2>&1; then
  echo "already bootstrapped"
else
  $CDK_CLI bootstrap "aws://$ACCOUNT/$REGION" "${CONTEXT[@]}"
fi

step "Deploy veille-$STAGE"
$CDK_CLI deploy --all "${CONTEXT[@]}" --require-approval broadening --outputs-file "cdk.out/outputs-$STAGE.json"

step "Check"
endpoint="$("$PYTHON" -c 'import json,sys; o=json.load(open(sys.argv[1])); print(next(iter(o.values()))["EndpointURL"])' \
  "cdk.out/outputs-$STAGE.json")"
echo "API: $endpoint"
curl -fsS "${endpoint%/}/health" && echo || echo "warning: GET /health failed; see docs/deploy.md (Troubleshooting)"
status="$(aws sesv2 get-email-identity --email-identity "$SENDER_EMAIL" --query VerificationStatus --output text || true)"
echo "SES sender $SENDER_EMAIL: ${status:-unknown} (click the link SES mailed you if PENDING)"
