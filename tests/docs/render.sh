#!/usr/bin/env bash
# Renders every Mermaid diagram of the docs target with the official Mermaid CLI, and every DOT
# graph with Graphviz, failing on any error. Inputs: the examples, the injection case and a
# generated 1,000-step workflow (whose page is split into parts).
#
# Tools are installed once outside the clone and reused: Debian's `graphviz` and `chromium`
# (apt-get, when missing) and npm's `@mermaid-js/mermaid-cli` in $HANDOFF_MERMAID_CACHE
# (default ~/.cache/handoff-mermaid), with puppeteer's own browser download skipped.
#
# `tests/docs/render.sh --images` also redraws docs/images/refund.{png,svg}, the picture the
# README shows.
set -euo pipefail
cd "$(dirname "$0")/../.."

cache="${HANDOFF_MERMAID_CACHE:-$HOME/.cache/handoff-mermaid}"
apt_missing=()
command -v dot >/dev/null 2>&1 || apt_missing+=(graphviz)
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "installing ${apt_missing[*]} (apt-get)"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y "${apt_missing[@]}" >/dev/null
fi
mmdc="$cache/node_modules/.bin/mmdc"
if [ ! -x "$mmdc" ]; then
  echo "installing @mermaid-js/mermaid-cli into $cache (npm)"
  mkdir -p "$cache"
  (cd "$cache" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --silent @mermaid-js/mermaid-cli >/dev/null)
fi
cat > "$cache/puppeteer.json" <<'JSON'
{
  "executablePath": "/usr/bin/chromium",
  "args": ["--no-sandbox", "--disable-setuid-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
}
JSON

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --locked --quiet
bin=target/debug/handoff

if [ "${1:-}" = "--images" ]; then
  mkdir -p docs/images
  "$bin" graph examples/refund.handoff > "$work/refund.mmd"
  "$mmdc" -q -p "$cache/puppeteer.json" -i "$work/refund.mmd" -o docs/images/refund.svg -b white
  "$mmdc" -q -p "$cache/puppeteer.json" -i "$work/refund.mmd" -o docs/images/refund.png -b white -w 1800
  echo "wrote docs/images/refund.svg and docs/images/refund.png"
fi

inputs=(examples/*.handoff tests/docs/injection.handoff)
python3 tests/docs/large.py 1000 > "$work/large.handoff"
inputs+=("$work/large.handoff")

failed=0
for input in "${inputs[@]}"; do
  name="$(basename "$input" .handoff)"
  out="$work/$name"
  mkdir -p "$out"
  "$bin" doc "$input" -o "$out" >/dev/null
  for page in "$out"/*.md; do
    [ "$(basename "$page")" = index.md ] && continue
    # Every ```mermaid block of the page, rendered to SVG; mmdc exits non-zero on a parse error.
    if ! "$mmdc" -q -p "$cache/puppeteer.json" -i "$page" -o "$page.out.md" >"$page.log" 2>&1 \
        || grep -qi "error" "$page.log"; then
      echo "FAIL mermaid: $page"; cat "$page.log"; failed=1; continue
    fi
    blocks="$(grep -c '^```mermaid$' "$page")"
    svgs=("$page".out-*.svg)
    if [ "${#svgs[@]}" -ne "$blocks" ]; then
      echo "FAIL mermaid: $page has $blocks diagrams but ${#svgs[@]} SVG files"; failed=1; continue
    fi
    # Mermaid draws some failures (size limits) as an error picture instead of exiting non-zero;
    # and no source text may have become markup in the SVG.
    for svg in "${svgs[@]}"; do
      if grep -q -e 'Syntax error' -e 'Maximum text size' -e 'limit exceeded' "$svg"; then
        echo "FAIL mermaid: $svg is an error picture"; failed=1
      fi
      if grep -qi -e '<script' -e '<img' -e 'onerror=' "$svg"; then
        echo "FAIL mermaid: $svg holds markup from the source"; failed=1
      fi
    done
    echo "ok   mermaid: $input -> $(basename "$page"): $blocks diagram(s) rendered"
  done
  for wf in $(grep -o '^workflow [A-Za-z_][A-Za-z0-9_]*' "$input" | cut -d' ' -f2); do
    if ! "$bin" graph "$input" --workflow "$wf" --format dot 2>/dev/null | dot -Tsvg -o "$out/$wf.dot.svg" 2>"$out/$wf.dot.log" \
        || [ -s "$out/$wf.dot.log" ]; then
      echo "FAIL dot: $input $wf"; cat "$out/$wf.dot.log"; failed=1; continue
    fi
    echo "ok   dot: $input $wf"
  done
done
# The injection texts arrive as text in the picture.
inj="$work/injection/flowchart.md.out-1.svg"
for text in 'alert(1)' 'click A call evil()' '%%{init}%%'; do
  escaped="$(printf '%s' "$text" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g')"
  if ! grep -qF -e "$text" -e "$escaped" "$inj"; then
    echo "FAIL injection: \`$text\` is not shown as text in $inj"; failed=1
  fi
done
[ "$failed" -eq 0 ] && echo "all diagrams render"
exit $failed
