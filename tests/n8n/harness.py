#!/usr/bin/env python3
"""Runs the compiled examples in real n8n and checks what happened.

For every case of tests/n8n/cases.json: compile the example's test variant (its first trigger
becomes a manual trigger emitting the case's payload; AI and system placeholders emit the case's
outputs), import it into a fresh n8n, execute it with the n8n CLI, and assert from the execution
data: the run ends `success` or `waiting` at the expected person's form, routing followed the
conditions, each handoff's output holds exactly the carried fields. Then one waiting form is
resumed through its resume URL with n8n running, and the work must continue to the next step.
Last, one example is compiled as it ships (no test variant), published, and called through its
webhook with n8n running: the request body must reach the steps.

n8n itself is installed once into a cache outside the clone (HANDOFF_N8N_DIR, default
~/.cache/handoff-n8n/2.8.4) and reused. Everything runs offline, on 127.0.0.1.

Usage: tests/n8n/harness.py [CASE ...]
"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N8N_VERSION = "2.8.4"
N8N_DIR = os.environ.get(
    "HANDOFF_N8N_DIR", os.path.join(os.path.expanduser("~"), ".cache", "handoff-n8n", N8N_VERSION)
)
N8N_BIN = os.path.join(N8N_DIR, "node_modules", ".bin", "n8n")
HANDOFF = os.path.join(ROOT, "target", "debug", "handoff")

failures = []


def log(message):
    print(message, flush=True)


def fail(case, message):
    failures.append(f"{case}: {message}")
    log(f"  FAIL {message}")


def install_n8n():
    """Installs n8n into the cache unless the right version is already there."""
    if os.path.exists(N8N_BIN):
        version = subprocess.run([N8N_BIN, "--version"], capture_output=True, text=True, env=n8n_env(tempfile.gettempdir()))
        if version.stdout.strip().endswith(N8N_VERSION):
            log(f"n8n {N8N_VERSION} is cached in {N8N_DIR}")
            return
    os.makedirs(N8N_DIR, exist_ok=True)
    free = shutil.disk_usage(N8N_DIR).free
    if free < 4 * 1024**3:
        sys.exit(f"error: installing n8n needs about 2.3 GB; only {free / 1024**3:.1f} GB free in {N8N_DIR}")
    with open(os.path.join(N8N_DIR, "package.json"), "w") as f:
        json.dump(
            {
                "name": "handoff-n8n-harness",
                "private": True,
                "dependencies": {"n8n": N8N_VERSION},
                # n8n otherwise fetches xlsx from a CDN that is not reachable here.
                "overrides": {"xlsx": "0.18.5"},
            },
            f,
            indent=2,
        )
    env = dict(os.environ, npm_config_nodedir="/usr")
    for attempt in range(1, 4):
        log(f"installing n8n {N8N_VERSION} (attempt {attempt}; several minutes the first time)")
        result = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=N8N_DIR, env=env)
        if result.returncode == 0 and os.path.exists(N8N_BIN):
            return
    sys.exit("error: npm could not install n8n after three attempts")


BROKER_PORT = None


def n8n_env(home):
    global BROKER_PORT
    if BROKER_PORT is None:
        # Each n8n process starts a task broker; a port of our own keeps a second n8n on the
        # machine (another harness, a developer's) from colliding with this one.
        BROKER_PORT = free_port()
    env = dict(os.environ)
    env.update(
        {
            "N8N_RUNNERS_BROKER_PORT": str(BROKER_PORT),
            "N8N_USER_FOLDER": home,
            "DB_TYPE": "sqlite",
            "N8N_DIAGNOSTICS_ENABLED": "false",
            "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
            "N8N_TEMPLATES_ENABLED": "false",
            "N8N_ENCRYPTION_KEY": "handoff-harness-key",
            "N8N_LISTEN_ADDRESS": "127.0.0.1",
            "N8N_HOST": "127.0.0.1",
            "N8N_PERSONALIZATION_ENABLED": "false",
            "N8N_HIRING_BANNER_ENABLED": "false",
            "GENERIC_TIMEZONE": "UTC",
            "TZ": "UTC",
        }
    )
    return env


def n8n(home, *args, timeout=300):
    return subprocess.run(
        [N8N_BIN, *args], capture_output=True, text=True, env=n8n_env(home), timeout=timeout
    )


def first_json(text):
    start = text.find("{")
    if start < 0:
        return None
    value, _ = json.JSONDecoder().raw_decode(text[start:])
    return value


def compile_case(case, directory):
    payload = {"payload": case["payload"], "outputs": case.get("outputs", {})}
    payload_file = os.path.join(directory, f"{case['name']}.payload.json")
    with open(payload_file, "w") as f:
        json.dump(payload, f)
    out = os.path.join(directory, case["name"])
    source = case.get("source", os.path.join("examples", f"{case['example']}.handoff"))
    result = subprocess.run(
        [HANDOFF, "build", os.path.join(ROOT, source),
         "--target", "n8n", "-o", out, "--test-payload", payload_file],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.exit(f"error: handoff build failed for {case['name']}:\n{result.stdout}\n{result.stderr}")
    with open(os.path.join(out, f"{case['example']}.json")) as f:
        workflow = json.load(f)
    # One workflow per case: a distinct id and name.
    workflow["id"] = ("hc" + uuid.uuid5(uuid.NAMESPACE_URL, case["name"]).hex)[:16]
    workflow["name"] = f"{workflow['name']} [{case['name']}]"
    return workflow


def check_run(case, run):
    expect = case["expect"]
    status = run.get("status")
    if status != expect["status"]:
        fail(case["name"], f"status {status!r}, expected {expect['status']!r}")
    result = run["data"]["resultData"]
    if result.get("error"):
        fail(case["name"], f"the run failed: {result['error'].get('message')}")
    run_data = result["runData"]
    for node in expect.get("ran", []):
        if node not in run_data:
            fail(case["name"], f"`{node}` did not run")
    for node in expect.get("not_ran", []):
        if node in run_data:
            fail(case["name"], f"`{node}` ran, but the conditions route elsewhere")
    for node, keys in expect.get("keys", {}).items():
        if node not in run_data:
            fail(case["name"], f"`{node}` did not run, so its output cannot be checked")
            continue
        items = run_data[node][0].get("data", {}).get("main", [[]])[0]
        got = sorted(items[0]["json"].keys()) if items else []
        if got != sorted(keys):
            fail(case["name"], f"`{node}` output {got}, expected exactly {sorted(keys)}")
    for node, values in expect.get("values", {}).items():
        if node not in run_data:
            fail(case["name"], f"`{node}` did not run, so its values cannot be checked")
            continue
        items = run_data[node][0].get("data", {}).get("main", [[]])[0]
        got = items[0]["json"] if items else {}
        for key, want in values.items():
            if got.get(key) != want:
                fail(case["name"], f"`{node}`.{key} is {got.get(key)!r}, expected the literal {want!r}")
    if "waiting_at" in expect:
        waiting = [n for n, runs in run_data.items() if runs[-1].get("executionStatus") == "waiting"]
        if waiting != [expect["waiting_at"]]:
            fail(case["name"], f"waiting at {waiting}, expected [{expect['waiting_at']!r}]")


def check_form(case, workflow):
    form = case["expect"].get("form")
    if not form:
        return
    node = next((n for n in workflow["nodes"] if n["name"] == form["node"]), None)
    if node is None or node["type"] != "n8n-nodes-base.wait" or node["parameters"].get("resume") != "form":
        fail(case["name"], f"`{form['node']}` is not a Wait node resuming on a form")
        return
    labels = [f["fieldLabel"] for f in node["parameters"]["formFields"]["values"]]
    if labels != form["fields"]:
        fail(case["name"], f"the form of `{form['node']}` has fields {labels}, expected {form['fields']}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(fields):
    boundary = "handoff" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


class Server:
    """n8n's server on 127.0.0.1, for as long as the `with` block lasts."""

    def __init__(self, home):
        self.home = home
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        env = n8n_env(self.home)
        env["N8N_PORT"] = str(self.port)
        self.log = open(os.path.join(self.home, "server.log"), "w")
        self.process = subprocess.Popen([N8N_BIN, "start"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz/readiness", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(1)
        raise RuntimeError("n8n did not start")

    def __exit__(self, *exc):
        if os.environ.get("HANDOFF_N8N_DEBUG"):
            self.log.flush()
            print(open(os.path.join(self.home, "server.log")).read()[-4000:])
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def request(self, path, body, content_type, attempts=30):
        """POSTs, retrying while the server has not registered the route yet (404). Returns the
        HTTP status, or None when n8n holds the response (a form resumes a run that then waits
        again, or a webhook answers when the run ends)."""
        url = f"{self.base}/{path}"
        for attempt in range(attempts):
            request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
            try:
                with urllib.request.urlopen(request, timeout=10) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                if e.code == 404 and attempt < attempts - 1:
                    time.sleep(1)
                    continue
                return e.code
            except (TimeoutError, urllib.error.URLError):
                return None
        return None


def executions(home, workflow_id):
    """(id, status, data) of the workflow's executions, newest first."""
    with sqlite3.connect(os.path.join(home, ".n8n", "database.sqlite")) as conn:
        return conn.execute(
            "select e.id, e.status, d.data from execution_entity e join execution_data d on d.executionId = e.id "
            "where e.workflowId = ? order by e.id desc",
            (workflow_id,),
        ).fetchall()


def live_webhook(home, work):
    """Compiles an example as it ships (no test variant), publishes it, starts n8n and calls its
    webhook: the request body must reach the first step's context."""
    with open(os.path.join(ROOT, "tests", "n8n", "live.json")) as f:
        live = json.load(f)
    log(f"live {live['example']}: POST /webhook/{live['path']}")
    out = os.path.join(work, "live")
    result = subprocess.run(
        [HANDOFF, "build", os.path.join(ROOT, "examples", f"{live['example']}.handoff"), "--target", "n8n", "-o", out],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.exit(f"error: handoff build failed:\n{result.stderr}")
    path = os.path.join(out, f"{live['example']}.json")
    workflow_id = json.load(open(path))["id"]
    for args in (["import:workflow", f"--input={path}"], ["publish:workflow", f"--id={workflow_id}"]):
        result = n8n(home, *args)
        if result.returncode != 0:
            fail("live", f"n8n {args[0]} failed: {result.stderr[-2000:]}")
            return
    with Server(home) as server:
        status = server.request(f"webhook/{live['path']}", json.dumps(live["body"]).encode(), "application/json")
        log(f"  webhook answered {status}")
        deadline = time.time() + 60
        rows = []
        while time.time() < deadline:
            rows = executions(home, workflow_id)
            if rows and rows[0][1] not in ("new", "running"):
                break
            time.sleep(1)
    if not rows:
        fail("live", "the webhook started no execution")
        return
    _, status, data = rows[0]
    if status != live["expect"]["status"]:
        fail("live", f"status {status!r}, expected {live['expect']['status']!r}")
    for text in live["expect"]["contains"]:
        if text not in data:
            fail("live", f"the execution data lacks {text!r}")


def resume_waiting_form(case, workflow, home):
    """Starts n8n, submits the waiting form through its resume URL, and checks that the work
    continued to the next step."""
    resume = case["expect"]["resume"]
    waiting = [row for row in executions(home, workflow["id"]) if row[1] == "waiting"]
    if not waiting:
        fail(case["name"], "no waiting execution to resume")
        return
    execution = waiting[0][0]
    node = next(n for n in workflow["nodes"] if n["name"] == case["expect"]["waiting_at"])
    labels = [f["fieldLabel"] for f in node["parameters"]["formFields"]["values"]]
    body, content_type = multipart({f"field-{i}": resume["values"].get(label, "") for i, label in enumerate(labels)})
    with Server(home) as server:
        status = server.request(f"form-waiting/{execution}", body, content_type)
        log(f"  submitted the form at /form-waiting/{execution} (HTTP {status})")
        deadline = time.time() + 60
        row = None
        while time.time() < deadline:
            row = next(r for r in executions(home, workflow["id"]) if r[0] == execution)
            if resume["then_ran"] in row[2]:
                break
            time.sleep(1)
    if row is None or resume["then_ran"] not in row[2]:
        fail(case["name"], f"after the form, `{resume['then_ran']}` did not run")
    else:
        log(f"  the work continued to `{resume['then_ran']}` (status {row[1]})")


def main():
    with open(os.path.join(ROOT, "tests", "n8n", "cases.json")) as f:
        cases = json.load(f)
    if len(sys.argv) > 1:
        cases = [c for c in cases if c["name"] in sys.argv[1:]]
    install_n8n()
    subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="handoff-n8n-")
    home = os.path.join(work, "home")
    os.makedirs(home)
    try:
        workflows = {}
        imports = os.path.join(work, "import")
        os.makedirs(imports)
        for case in cases:
            workflow = compile_case(case, work)
            workflows[case["name"]] = workflow
            with open(os.path.join(imports, f"{case['name']}.json"), "w") as f:
                json.dump(workflow, f)
        result = n8n(home, "import:workflow", "--separate", f"--input={imports}")
        if result.returncode != 0:
            sys.exit(f"error: n8n import failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        log(f"imported {len(cases)} workflows into n8n {N8N_VERSION}")
        for case in cases:
            log(f"case {case['name']} ({case['example']})")
            workflow = workflows[case["name"]]
            check_form(case, workflow)
            result = n8n(home, "execute", f"--id={workflow['id']}", "--rawOutput")
            run = first_json(result.stdout)
            if run is None:
                fail(case["name"], f"no execution data:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
                continue
            check_run(case, run)
            if "resume" in case["expect"]:
                resume_waiting_form(case, workflow, home)
        if len(sys.argv) == 1:
            live_webhook(home, work)
    finally:
        if not os.environ.get("HANDOFF_N8N_DEBUG"):
            shutil.rmtree(work, ignore_errors=True)
    total = len(cases) + (1 if len(sys.argv) == 1 else 0)
    failed = len({f.split(":")[0] for f in failures})
    print(f"n8n: {total - failed} passed, {failed} failed")
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
