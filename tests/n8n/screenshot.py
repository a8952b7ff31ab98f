#!/usr/bin/env python3
"""Screenshots a compiled example on n8n's canvas, as a person sees it in the editor.

Compiles the example (`--target n8n`, as it ships), imports the orchestration into a fresh n8n
(the harness's, from its cache), sets up an owner, opens the workflow in headless Chromium
(Debian's `chromium`), zooms to fit and writes a PNG. The browser is driven by puppeteer-core,
installed once from npm into a cache outside the clone (HANDOFF_SCREENSHOT_DIR, default
~/.cache/handoff-screenshot). Everything runs on 127.0.0.1.

Usage: tests/n8n/screenshot.py [EXAMPLE] [PNG] [--width W] [--height H]
       (defaults: refund, docs/images/n8n-refund.png, a 3840 x 1100 window at scale 2)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ROOT = harness.ROOT
CACHE = os.environ.get(
    "HANDOFF_SCREENSHOT_DIR", os.path.join(os.path.expanduser("~"), ".cache", "handoff-screenshot")
)
PUPPETEER = "puppeteer-core@23.11.1"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
OWNER = {"email": "owner@example.com", "firstName": "Ada", "lastName": "Owner", "password": "Screenshot-2026"}


def ensure_puppeteer():
    if os.path.exists(os.path.join(CACHE, "node_modules", "puppeteer-core")):
        return
    os.makedirs(CACHE, exist_ok=True)
    harness.log(f"installing {PUPPETEER} into {CACHE}")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", CACHE, PUPPETEER], check=True)


def setup_owner(base):
    """Sets up the instance's owner; returns the session cookie n8n answers with. n8n is ready
    a moment before its REST routes are: a 404 is retried."""
    for attempt in range(60):
        request = urllib.request.Request(
            f"{base}/rest/owner/setup",
            data=json.dumps(OWNER).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                for header in r.headers.get_all("Set-Cookie") or []:
                    name, _, rest = header.partition("=")
                    if name.strip() == "n8n-auth":
                        return rest.split(";")[0]
            sys.exit("error: n8n set up the owner but sent no session cookie")
        except urllib.error.HTTPError as e:
            if e.code != 404 or attempt == 59:
                raise
            time.sleep(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("example", nargs="?", default="refund")
    parser.add_argument("png", nargs="?", default=os.path.join(ROOT, "docs", "images", "n8n-refund.png"))
    parser.add_argument("--width", type=int, default=3840)
    parser.add_argument("--height", type=int, default=1100)
    parser.add_argument("--scale", type=float, default=2, help="device pixels per CSS pixel")
    parser.add_argument("--clip", default="", help="only the part X,Y,W,H of the page (CSS pixels)")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"error: no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    harness.install_n8n()
    ensure_puppeteer()
    subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="handoff-screenshot-")
    home = os.path.join(work, "home")
    os.makedirs(home)
    try:
        out = os.path.join(work, "build")
        subprocess.run(
            [harness.HANDOFF, "build", os.path.join(ROOT, "examples", f"{args.example}.handoff"),
             "--target", "n8n", "-o", out],
            check=True, capture_output=True,
        )
        orchestration = os.path.join(out, f"{args.example}.json")
        with open(orchestration) as f:
            workflow_id = json.load(f)["id"]
        imports = os.path.join(work, "import")
        os.makedirs(imports)
        shutil.copy(orchestration, imports)
        result = harness.n8n(home, "import:workflow", "--separate", f"--input={imports}")
        if result.returncode != 0:
            sys.exit(f"error: n8n import failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        with harness.Server(home) as server:
            cookie = setup_owner(server.base)
            env = dict(os.environ, NODE_PATH=os.path.join(CACHE, "node_modules"))
            subprocess.run(
                ["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "screenshot.cjs"),
                 CHROMIUM, f"{server.base}/workflow/{workflow_id}", cookie, os.path.abspath(args.png),
                 str(args.width), str(args.height), str(args.scale), args.clip],
                env=env, check=True, timeout=300,
            )
        harness.log(f"wrote {args.png}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
