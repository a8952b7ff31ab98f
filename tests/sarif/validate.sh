#!/usr/bin/env bash
# Validates `handoff check --format sarif` of every fixture with Microsoft's official SARIF
# validator (npm `@microsoft/sarif-multitool`, a .NET app shipped for linux-x64), against the
# SARIF 2.1.0 schema its package ships. Fails on any error it reports; prints its warnings.
#
# The validator is installed once into $HANDOFF_SARIF_CACHE (default ~/.cache/handoff-sarif),
# outside the clone, and reused: a second run installs nothing. All logs are validated in one
# invocation (the .NET start-up dominates).
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=5.7.0
CACHE=${HANDOFF_SARIF_CACHE:-$HOME/.cache/handoff-sarif}
PKG=$CACHE/node_modules/@microsoft/sarif-multitool-linux
TOOL=$PKG/Sarif.Multitool
SCHEMA=$PKG/sarif-2.1.0.json

installed=$(node -p "require('$CACHE/node_modules/@microsoft/sarif-multitool/package.json').version" 2>/dev/null || true)
if [[ "$installed" != "$VERSION" || ! -f "$TOOL" || ! -f "$SCHEMA" ]]; then
  echo "installing @microsoft/sarif-multitool@$VERSION into $CACHE"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error "@microsoft/sarif-multitool@$VERSION" >/dev/null
fi
# The package makes the binary executable in a postinstall script, which npm may not run.
[[ -x "$TOOL" ]] || chmod u+x "$TOOL"
# Without libicu, .NET refuses to start unless told to use the invariant culture, which is all
# validation needs.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

cargo build --locked --quiet
BIN=target/debug/handoff
WORK=target/sarif
rm -rf "$WORK"
mkdir -p "$WORK"

logs=()
while IFS= read -r fixture; do
  log=$WORK/$(echo "${fixture#tests/fixtures/}" | tr / _).sarif
  status=0
  "$BIN" check --format sarif "$fixture" >"$log" || status=$?
  if [[ $status -gt 1 ]]; then
    echo "error: \`handoff check --format sarif $fixture\` could not run (exit $status)" >&2
    exit 1
  fi
  logs+=("$log")
done < <(find tests/fixtures -name '*.handoff' | sort)

# A run stopped by a broken `handoff.toml` still writes a log (no results; the mistakes are
# configuration notifications of a failed invocation). It exits with 2 by design.
BAD=$WORK/bad-config
mkdir -p "$BAD"
printf 'colour = true\n[rules]\nE101 = "allow"\nW999 = "warn"\n' >"$BAD/handoff.toml"
cp tests/fixtures/rules/W201.handoff "$BAD/a.handoff"
(cd "$BAD" && "$OLDPWD/$BIN" check --format sarif >../bad-config.sarif) || [[ $? -eq 2 ]]
logs+=("$WORK/bad-config.sarif")

# The validator reports nothing at all for some malformed JSON: check that every log parses.
python3 - "${logs[@]}" <<'PY'
import json, sys
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        json.load(f)
PY

OUT=$WORK/validation.sarif
"$TOOL" validate "${logs[@]}" -j "$SCHEMA" -o "$OUT" --quiet >"$WORK/validator.log" 2>&1 || {
  cat "$WORK/validator.log" >&2
  echo "error: the SARIF validator failed to run" >&2
  exit 1
}

python3 - "$OUT" "${#logs[@]}" <<'PY'
import json, sys
out, count = sys.argv[1], int(sys.argv[2])
with open(out, encoding="utf-8") as f:
    run = json.load(f)["runs"][0]
if not all(i.get("executionSuccessful") for i in run.get("invocations", [])):
    sys.exit(f"error: the validator did not complete: {run.get('invocations')}")
errors = 0
for r in run.get("results", []):
    level = r.get("level", "warning")
    where = r.get("locations", [{}])[0].get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "?")
    text = r["message"].get("text") or " ".join(r["message"].get("arguments", []))
    print(f"{level} {r['ruleId']} {where}: {text}")
    errors += level == "error"
if errors:
    sys.exit(f"error: the SARIF validator reported {errors} error(s)")
print(f"SARIF: {count} logs valid")
PY
