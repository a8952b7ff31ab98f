#!/usr/bin/env bash
# Validates every compiled n8n file with n8n's official validator, npm `@n8n/workflow-sdk`:
# `validateWorkflow(json, { strictMode: true })` (tests/n8n/validate.mjs) on the output of
# `handoff build --target n8n` for every example and for tests/n8n/{promises,injection,errors,inboxes,audit}.handoff:
# each main workflow, each intake workflow and each starting implementation. Fails on any error
# or warning, informational ones included.
#
# Node parameters, type versions and port indices are checked against the n8n the harness runs
# (tests/n8n/harness.py installs it into $HANDOFF_N8N_DIR): its node descriptions are turned
# into the SDK's parameter schemas by the SDK's own generator, cached next to the SDK. Without
# that n8n only the graph is checked, and under CI (CI=true, as .ci/run sets) that is an error.
#
# The SDK is installed once into $HANDOFF_N8N_SDK_DIR (default ~/.cache/handoff-n8n-sdk/0.34.0),
# outside the clone, and reused: a second run installs nothing. It is installed with
# --ignore-scripts: a dependency's install script needs Node 22 and validation does not need it.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=0.34.0
CACHE=${HANDOFF_N8N_SDK_DIR:-$HOME/.cache/handoff-n8n-sdk/$VERSION}

installed=$(node -p "require('$CACHE/node_modules/@n8n/workflow-sdk/package.json').version" 2>/dev/null || true)
if [[ "$installed" != "$VERSION" ]]; then
  echo "installing @n8n/workflow-sdk@$VERSION into $CACHE"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "@n8n/workflow-sdk@$VERSION" >/dev/null
fi

# The n8n whose node descriptions the parameters are checked against: the harness's.
N8N_VERSION=$(sed -n 's/^N8N_VERSION = "\(.*\)"$/\1/p' tests/n8n/harness.py)
N8N_MODULES=${HANDOFF_N8N_DIR:-$HOME/.cache/handoff-n8n/$N8N_VERSION}/node_modules
nodes=()
if [[ -n "$N8N_VERSION" && -f "$N8N_MODULES/n8n-nodes-base/dist/types/nodes.json" ]]; then
  nodes=(--n8n "$N8N_MODULES" --definitions "$CACHE/node-definitions/n8n-$N8N_VERSION")
elif [[ "${CI:-}" == true ]]; then
  echo "error: n8n $N8N_VERSION is not installed in ${N8N_MODULES%/node_modules}; run python3 tests/n8n/harness.py first" >&2
  exit 1
else
  echo "note: n8n $N8N_VERSION is not installed in ${N8N_MODULES%/node_modules}: node parameters are not checked"
fi

WORK=target/n8n-sdk
rm -rf "$WORK"
mkdir -p "$WORK"

for source in examples/*.handoff tests/n8n/promises.handoff tests/n8n/injection.handoff tests/n8n/errors.handoff tests/n8n/inboxes.handoff tests/n8n/audit.handoff; do
  out=$WORK/$(basename "$source" .handoff)
  # Warnings of `handoff` itself are not this check's business; the build must succeed.
  if ! cargo run --locked --quiet -- build "$source" --target n8n -o "$out" >"$out.log" 2>&1; then
    cat "$out.log" >&2
    echo "error: \`handoff build $source --target n8n\` failed" >&2
    exit 1
  fi
done

files=()
while IFS= read -r file; do
  files+=("$file")
done < <(find "$WORK" -name '*.json' | sort)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "error: the builds wrote no n8n files into $WORK" >&2
  exit 1
fi

node tests/n8n/validate.mjs "$CACHE" "${nodes[@]}" "${files[@]}"
