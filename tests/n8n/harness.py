#!/usr/bin/env python3
"""Runs the compiled examples in real n8n and checks what happened.

For every case of tests/n8n/cases.json: compile the example's test variant (its first trigger
becomes a manual trigger emitting the case's payload; AI and system placeholders emit the case's
outputs; the manual trigger then becomes a webhook, `as_webhook`), import it into a fresh n8n,
start it through that webhook on the running server, and assert from the execution data: the
run ends `success` or `waiting` at the expected person's form, routing followed the conditions,
each handoff's output holds exactly the carried fields, its audit trail holds no value. Then one waiting form is
resumed through its resume URL with n8n running, and the work must continue to the next step.
Last, one example is compiled as it ships (no test variant), published, and called through its
webhook with n8n running: the request body must reach the steps.

With --queue, the same cases run on n8n's queue mode instead (see `queue_mode`): PostgreSQL and
Redis (Debian's packages, installed when missing) on free ports, one `n8n start` main and two
`n8n worker` processes. Each case starts through its webhook, so that its execution goes
through the queue as a production one does; the shipped examples are started as their users
start them; every check above holds, and every execution must have run on a worker.

n8n itself is installed once into a cache outside the clone (HANDOFF_N8N_DIR, default
~/.cache/handoff-n8n/2.8.4) and reused. Everything runs offline, on 127.0.0.1.
HANDOFF_N8N_DEBUG=1 keeps the work directory and prints the servers' logs.

Usage: tests/n8n/harness.py [--queue] [CASE or SCENARIO ...] (scenarios: shipped,
implementations, retries, errors, promises, inboxes, audit; with no argument, every case and every scenario)
"""
import glob
import json
import os
import shutil
import signal
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
# Whether a `Server` block is running n8n's server (an inner block then uses it).
SERVING = False
# The server `execute` started and left running for the runs and answers after it, until the
# next `publish` (a server registers the webhooks of published workflows when it starts).
LINGERING = None


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
N8N_PORT = None
MAILBOX = None
CALLBACKS = None
# The queue-mode deployment while one runs: n8n's database is then its PostgreSQL.
QUEUE = None


def n8n_env(home):
    global BROKER_PORT, N8N_PORT
    if N8N_PORT is None:
        # Resume links in emails name the server's port: every n8n process of a run uses one.
        N8N_PORT = free_port()
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
            "N8N_PORT": str(N8N_PORT),
            "N8N_PERSONALIZATION_ENABLED": "false",
            "N8N_HIRING_BANNER_ENABLED": "false",
            "GENERIC_TIMEZONE": "UTC",
            "TZ": "UTC",
        }
    )
    if QUEUE is not None:
        env.update(QUEUE.settings())
    return env


def n8n(home, *args, timeout=300):
    return subprocess.run(
        [N8N_BIN, *args], capture_output=True, text=True, env=n8n_env(home), timeout=timeout
    )


class Mailbox:
    """A local SMTP sink on 127.0.0.1 (aiosmtpd): every message n8n sends lands here."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email
                import email.policy

                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                body = message.get_body(preferencelist=("html", "plain"))
                mailbox.messages.append(
                    {
                        "to": list(envelope.rcpt_tos),
                        "subject": str(message.get("subject", "")),
                        # Mail lines end in CRLF; the message is compared as written.
                        "body": (body.get_content() if body else "").replace("\r\n", "\n"),
                    }
                )
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def to(self, address):
        return [m for m in self.messages if address in m["to"]]

    def stop(self):
        self.controller.stop()


class Callbacks:
    """A local HTTP sink on 127.0.0.1: a chat platform's callback, receiving the POSTs that tell
    a `url` customer what happens."""

    def __init__(self):
        import http.server
        import threading

        self.received = []
        self.hits = {}
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                # /flaky/NAME fails the first time it is asked and answers after; /broken
                # always fails: implementations that call them show how failures are retried.
                sink.hits[self.path] = sink.hits.get(self.path, 0) + 1
                if self.path.startswith("/broken") or (self.path.startswith("/flaky") and sink.hits[self.path] == 1):
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b'{"error": "failing on purpose"}')
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"first": "after a retry", "payout": "after a retry"}).encode())

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode("utf-8", "replace")
                try:
                    sink.received.append({"path": self.path, "json": json.loads(body)})
                except ValueError:
                    sink.received.append({"path": self.path, "raw": body})
                # A customer's callback that is down.
                if self.path.startswith("/broken"):
                    sink.hits[self.path] = sink.hits.get(self.path, 0) + 1
                    self.send_response(500)
                    self.end_headers()
                    return
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def ensure_aiosmtpd():
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        log("installing aiosmtpd (the SMTP sink) from PyPI")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "aiosmtpd==1.4.6"], check=True)


def import_credentials(home, work, mailbox):
    """The SMTP credential the compiled email nodes name, pointing at the local sink."""
    path = os.path.join(work, "credentials.json")
    with open(path, "w") as f:
        json.dump(
            [
                {
                    "id": "handoffSmtp0001",
                    "name": "handoff SMTP",
                    "type": "smtp",
                    "data": {
                        "user": "",
                        "password": "",
                        "host": "127.0.0.1",
                        "port": mailbox.port,
                        "secure": False,
                        "disableStartTls": True,
                    },
                },
                # Slack cannot be reached from here: a credential lets workflows with Slack
                # tasks pass n8n's checks; the harness's people all have an email inbox first.
                {
                    "id": "handoffSlack001",
                    "name": "handoff Slack",
                    "type": "slackApi",
                    "data": {"accessToken": "xoxb-not-a-real-token"},
                },
            ],
            f,
        )
    result = n8n(home, "import:credentials", f"--input={path}")
    if result.returncode != 0:
        sys.exit(f"error: n8n could not import the SMTP credential:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def publish(home, workflow_ids):
    """Publishes workflows as `n8n publish:workflow --id=ID` does (n8n 2 runs only published
    sub-workflows), in one database transaction: one CLI start per workflow would take minutes."""
    stop_lingering()
    if QUEUE is not None:
        QUEUE.publish(workflow_ids)
        return
    with sqlite3.connect(os.path.join(home, ".n8n", "database.sqlite")) as conn:
        for workflow_id in workflow_ids:
            updated = conn.execute(
                "update workflow_entity set active = 1, activeVersionId = versionId where id = ? "
                "and exists (select 1 from workflow_history h where h.workflowId = workflow_entity.id "
                "and h.versionId = workflow_entity.versionId)",
                (workflow_id,),
            ).rowcount
            if updated != 1:
                sys.exit(f"error: could not publish the workflow {workflow_id}")


def implementations_of(out):
    """The implementation sub-workflows a build wrote."""
    directory = os.path.join(out, "implementations")
    found = []
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name)) as f:
                found.append(json.load(f))
    return found


def case_source(case):
    """The path, under the repository, of the workflow a case runs."""
    return case.get("source", os.path.join("examples", f"{case['example']}.handoff"))


def compile_case(case, directory):
    payload = {"payload": case["payload"], "outputs": case.get("outputs", {})}
    payload_file = os.path.join(directory, f"{case['name']}.payload.json")
    with open(payload_file, "w") as f:
        json.dump(payload, f)
    out = os.path.join(directory, case["name"])
    source = case_source(case)
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
    return workflow, implementations_of(out)


def check_case_trail(case, home, run):
    """A case's run wrote its audit trail: it starts with the route out of the trigger, and no
    row holds a value of the case's payload or outputs."""
    rows = audit_rows(home, run["id"])
    if not rows or rows[0]["event"] != "route":
        fail(case["name"], f"the run wrote no audit trail starting with its route in: {[r['event'] for r in rows]}")
        return
    # A value the source itself writes (a constant of a route's condition, which the row
    # names) is no value of the run.
    text = open(os.path.join(ROOT, case_source(case))).read()
    values = []
    for source in (case.get("payload", {}), *case.get("outputs", {}).values()):
        if isinstance(source, dict):
            # Data-like values (with a digit, an `@` or a space): an enum's constant may well be
            # written in a route's condition, which the row names.
            values += [
                str(v) for v in source.values()
                if isinstance(v, (str, int, float)) and not isinstance(v, bool) and len(str(v)) >= 4
                and any(c.isdigit() or c in "@ " for c in str(v)) and str(v) not in text
            ]
    hit = holding(rows, values)
    if hit is not None:
        fail(case["name"], f"the audit row {hit[0]['event']} holds the value {hit[2]!r} in `{hit[1]}`")
        return
    log(f"  its audit trail: {', '.join(r['event'] for r in rows)} (names, no values)")


def check_run(case, run):
    expect = case["expect"]
    status = run.get("status")
    if status != expect["status"]:
        fail(case["name"], f"status {status!r}, expected {expect['status']!r}")
    result = run["data"]["resultData"]
    if "error_at" in expect:
        # The run must get as far as the node (n8n accepted the workflow) and fail there.
        node = (result.get("error") or {}).get("node", {}).get("name")
        if node != expect["error_at"]:
            fail(case["name"], f"the run failed at {node!r}, expected at {expect['error_at']!r}: {result.get('error')}")
        else:
            log(f"  the run got as far as `{node}` and failed there: {result['error'].get('message')}")
    elif result.get("error"):
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
    if "customer_email" in expect:
        # The customer is told: an email with the literal message, from the run's notify.
        want = expect["customer_email"]
        got = [m for m in MAILBOX.to(want["to"]) if want["text"] in m["body"]]
        if not got:
            bodies = [m["body"][:200] for m in MAILBOX.to(want["to"])]
            fail(case["name"], f"no email to {want['to']} holds the literal message {want['text']!r}: {bodies}")
        else:
            log(f"  the customer {want['to']} was told, in the literal words of the notify")
    if "waiting_at" in expect:
        waiting = [n for n, runs in run_data.items() if runs[-1].get("executionStatus") == "waiting"]
        if waiting != [expect["waiting_at"]]:
            fail(case["name"], f"waiting at {waiting}, expected [{expect['waiting_at']!r}]")


def form_labels(node):
    """The field labels of a person's task: a `Wait` form or a send-and-wait custom form."""
    params = node["parameters"]
    if node["type"] == "n8n-nodes-base.wait" and params.get("resume") == "form":
        return [f["fieldLabel"] for f in params["formFields"]["values"]]
    if params.get("operation") == "sendAndWait" and params.get("responseType") == "customForm":
        return [f["fieldLabel"] for f in params["formFields"]["values"]]
    return None


def person_node(workflow, name):
    """The node that asks the person of task `name`: the task's own node, or, for a task sent to
    every inbox (a `Wait` resumed by its delivery runs), the send-and-wait of its first email
    inbox."""
    node = next((n for n in workflow["nodes"] if n["name"] == name), None)
    if node and node["type"] == "n8n-nodes-base.wait" and node["parameters"].get("resume") == "webhook":
        return next((n for n in workflow["nodes"] if n["name"].startswith(f"{name} · to email ")), None)
    return node


def check_form(case, workflow):
    form = case["expect"].get("form")
    if not form:
        return
    node = person_node(workflow, form["node"])
    labels = form_labels(node) if node else None
    if labels is None:
        fail(case["name"], f"`{form['node']}` is not a person's task with a form")
        return
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
        n8n_env(home)
        self.port = N8N_PORT
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        global SERVING
        if QUEUE is not None or SERVING:
            # Queue mode: the deployment's main process is already serving; or an outer `with`
            # block's server is.
            self.process = None
            return self
        SERVING = True
        env = n8n_env(self.home)
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
        global SERVING
        if self.process is None:
            return
        SERVING = False
        if os.environ.get("HANDOFF_N8N_DEBUG"):
            self.log.flush()
            print(open(os.path.join(self.home, "server.log")).read()[-4000:])
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def request(self, path, body, content_type, attempts=90):
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
                if e.code in (404, 503) and attempt < attempts - 1:
                    time.sleep(1)
                    continue
                return e.code
            except (TimeoutError, urllib.error.URLError):
                return None
        return None


def executions(home, workflow_id):
    """(id, status, data) of the workflow's executions, newest first."""
    if QUEUE is not None:
        return QUEUE.executions(workflow_id)
    with sqlite3.connect(os.path.join(home, ".n8n", "database.sqlite")) as conn:
        return conn.execute(
            "select e.id, e.status, d.data from execution_entity e join execution_data d on d.executionId = e.id "
            "where e.workflowId = ? order by e.id desc",
            (workflow_id,),
        ).fetchall()


def imported(home, directory, name):
    """Imports every workflow file of a directory; on failure, says so under `name`."""
    result = n8n(home, "import:workflow", "--separate", f"--input={directory}")
    if result.returncode != 0:
        fail(name, f"import failed: {result.stderr[-2000:]}")
        return False
    return True


def replace_body(implementation, name, kind, version, parameters):
    """Replaces an implementation's body with one node after its Start node (what a user does
    when they write the real work)."""
    start = next(n for n in implementation["nodes"] if n["type"] == "n8n-nodes-base.executeWorkflowTrigger")
    body = {
        "parameters": parameters,
        "id": str(uuid.uuid4()),
        "name": name,
        "type": kind,
        "typeVersion": version,
        "position": [240, 0],
    }
    implementation["nodes"] = [start, body]
    implementation["connections"] = {start["name"]: {"main": [[{"node": name, "type": "main", "index": 0}]]}}


def stub(implementation, returns):
    """An implementation whose work returns `returns`."""
    replace_body(
        implementation, "Work", "n8n-nodes-base.code", 2,
        {"jsCode": f"return [{{ json: {json.dumps(returns)} }}];"},
    )


def ship(work, live):
    """Compiles an example as it ships (no test variant) and stubs its implementations. Returns
    the build's directory and its workflow files: implementations first, then the
    orchestration and its intakes."""
    out = os.path.join(work, live["name"].replace(" ", "-"))
    result = subprocess.run(
        [HANDOFF, "build", os.path.join(ROOT, "examples", f"{live['example']}.handoff"), "--target", "n8n", "-o", out],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.exit(f"error: handoff build failed:\n{result.stderr}")
    directory = os.path.join(out, "implementations")
    for file in sorted(os.listdir(directory)):
        path = os.path.join(directory, file)
        implementation = json.load(open(path))
        returns = live["implementations"].get(implementation["name"].removesuffix(" (implementation)"), {})
        stub(implementation, returns)
        json.dump(implementation, open(path, "w"))
    files = [os.path.join(directory, n) for n in sorted(os.listdir(directory))]
    files += [os.path.join(out, n) for n in sorted(os.listdir(out)) if n.endswith(".json")]
    return out, files


def shipped(home, work, live, mailbox):
    """Compiles an example as it ships (no test variant), stubs its implementations, imports and
    publishes everything with n8n's CLI, starts n8n and starts the work as its users do (see
    `started_as_users_do`)."""
    name = live["name"]
    log(f"{name} ({live['example']})")
    out, files = ship(work, live)
    for path in files:
        workflow_id = json.load(open(path))["id"]
        for args in (["import:workflow", f"--input={path}"], ["publish:workflow", f"--id={workflow_id}"]):
            result = n8n(home, *args)
            if result.returncode != 0:
                fail(name, f"n8n {args[0]} {os.path.basename(path)} failed: {result.stderr[-2000:]}")
                return
    log(f"  imported and published {len(files)} workflows (orchestration, intake, implementations)")
    with Server(home) as server:
        started_as_users_do(server, home, out, live, mailbox)


def started_as_users_do(server, home, out, live, mailbox):
    """Starts a shipped example's work on a running n8n as its users do: a webhook's intake
    answers 202 at once; a public form's intake answers with its completion page and never
    leads its submitter to a person's task. The orchestration runs on its own, with the request
    in its context, and waits at the right person's task, sent by email."""
    name = live["name"]
    orchestration_id = json.load(open(os.path.join(out, f"{live['example']}.json")))["id"]
    started = time.time()
    if "path" in live:
        body = json.loads(json.dumps(live["body"]).replace("{callback}", f"http://127.0.0.1:{CALLBACKS.port}"))
        status = server.request(f"webhook/{live['path']}", json.dumps(body).encode(), "application/json")
        log(f"  the webhook answered {status} in {time.time() - started:.1f}s")
        if status != live["expect"]["webhook_status"]:
            fail(name, f"the webhook answered {status}, expected {live['expect']['webhook_status']}")
    else:
        intake = json.load(open(os.path.join(out, f"{live['example']}.intake.{live['form']}.json")))
        trigger = next(n for n in intake["nodes"] if n["type"] == "n8n-nodes-base.formTrigger")
        labels = [f["fieldLabel"] for f in trigger["parameters"]["formFields"]["values"]]
        body, content_type = multipart({f"field-{i}": live["fields"][label] for i, label in enumerate(labels)})
        url = f"{server.base}/form/{trigger['webhookId']}"
        opened(url)
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                status, answer = r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, answer = e.code, e.read().decode("utf-8", "replace")
        log(f"  the public form answered {status}: {answer[:120]!r}")
        if status != 200:
            fail(name, f"the public form answered {status}")
        if "form-waiting" in answer or "webhook-waiting" in answer:
            fail(name, f"the public form led its submitter on to a task: {answer[:300]!r}")
    deadline = time.time() + 60
    rows = []
    while time.time() < deadline:
        # The intake's run is the first; a task sent to every inbox starts delivery runs after it.
        rows = executions(home, orchestration_id)[-1:]
        if rows and rows[0][1] not in ("new", "running"):
            break
        time.sleep(1)
    if not rows:
        fail(name, "the intake started no run of the orchestration")
        return
    _, status, data = rows[0]
    if status != live["expect"]["status"]:
        fail(name, f"status {status!r}, expected {live['expect']['status']!r}")
    else:
        log(f"  the orchestration ran on its own and is {status}")
    for text in live["expect"]["contains"]:
        if text not in data:
            fail(name, f"the execution data lacks {text!r}")
    if "callback" in live["expect"]:
        want = live["expect"]["callback"]
        got = [r for r in CALLBACKS.received if r.get("json", {}).get("message") == want["message"]]
        if not got:
            fail(name, f"the customer's callback never received {want['message']!r}: {CALLBACKS.received}")
        else:
            posted = got[0]["json"]
            if sorted(posted) != ["from", "message", "run", "to", "workflow"] or posted["from"] != want["from"] or posted["to"] != want["to"]:
                fail(name, f"the callback received {posted}, expected {{message, workflow, run, from, to}} from {want['from']} to {want['to']}")
            else:
                log(f"  the customer's callback received {posted}")
    if "task_to" in live["expect"]:
        if not mailbox.to(live["expect"]["task_to"]):
            fail(name, f"no task reached {live['expect']['task_to']}")
        else:
            log(f"  the task went to {live['expect']['task_to']}, not to whoever submitted the form")


def signed_link(mailbox, node, execution):
    """The resume link of the email a send-and-wait node sent for an execution."""
    import html
    import re

    address = node["parameters"]["toEmail"]
    marker = f"/{execution}/{node['id']}"
    for message in reversed(mailbox.to(address)):
        for url in re.findall(r'href="([^"]+)"', message["body"]):
            url = html.unescape(url)
            if marker in url:
                return url
    return None


# A person's browser: n8n answers an approval link opened by a bot (a mail scanner, or
# Python's default user agent) with a page that records nothing.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def get(url):
    try:
        request = urllib.request.Request(url, headers={"User-Agent": BROWSER})
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def opened(url):
    """GETs a page of the running server as a person would, again for up to 90 seconds while
    it answers 404 or 503 (the server registers its routes shortly after it reports ready,
    later on a loaded machine) or 409 (in queue mode a run listed as waiting may still read as
    running for a moment: a person who opens the link a second later gets the page)."""
    for _ in range(90):
        status, page = get(url)
        if status not in (404, 409, 503):
            break
        time.sleep(1)
    return status, page


def post(url, body, content_type):
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (TimeoutError, urllib.error.URLError):
        return None


def resume_waiting_form(case, workflow, home, mailbox):
    """Starts n8n and answers the waiting task: through the signed link of the email the person
    received (a tampered link must be refused), or through the form URL of an actor with no
    inbox. The work must continue to the next step, and the answer records the inbox."""
    resume = case["expect"]["resume"]
    # The run waiting at the task (not one of its delivery runs, which wait at their inbox's).
    waiting = [
        row for row in executions(home, workflow["id"])
        if row[1] == "waiting" and case["expect"]["waiting_at"] in run_data(row)
    ]
    if not waiting:
        fail(case["name"], "no waiting execution to resume")
        return
    execution = waiting[0][0]
    node = person_node(workflow, case["expect"]["waiting_at"])
    every_inbox = node["name"] != case["expect"]["waiting_at"]
    labels = form_labels(node) or []
    body, content_type = multipart({f"field-{i}": resume["values"].get(label, "") for i, label in enumerate(labels)})
    emailed = node["parameters"].get("operation") == "sendAndWait"
    with Server(home) as server:
        if emailed:
            # A task sent to every inbox: the link comes from a delivery run of its own.
            link = (until(lambda: task_links(mailbox, node), 60) or [None])[0] if every_inbox else signed_link(mailbox, node, execution)
            if link is None:
                fail(case["name"], f"no email to {node['parameters']['toEmail']} carries the link of `{node['name']}`")
                return
            log(f"  {node['parameters']['toEmail']} received the task with a signed link")
            status, page = opened(link)
            if status != 200 or "form" not in page:
                fail(case["name"], f"the signed link does not open the form (HTTP {status})")
            tampered = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
            status, _ = get(tampered)
            if status < 400:
                fail(case["name"], f"a tampered link was accepted (HTTP {status})")
            else:
                log(f"  a tampered link is refused (HTTP {status})")
            status = post(link, body, content_type)
            log(f"  submitted the form through the signed link (HTTP {status})")
        else:
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
        return
    log(f"  the work continued to `{resume['then_ran']}` (status {row[1]})")
    if emailed:
        inbox = f"email {node['parameters']['toEmail']}"
        if inbox not in row[2]:
            fail(case["name"], f"the answer does not record the inbox {inbox!r}")
        else:
            log(f"  the answer records `{inbox}`")


def implementation_scenario(home, work):
    """An implementation is the user's: the harness edits the starting bodies (enrich returns
    values, qualify forgets `budget`), builds again into the same directory (the edits must
    survive, byte for byte), imports and publishes with n8n's CLI, and runs: enrich's values
    reach qualify's input, and qualify's missing `budget` fails the step."""
    log("implementations: edited, rebuilt, kept, run")
    out = os.path.join(work, "implementations-case")
    payload_file = os.path.join(work, "implementations.payload.json")
    with open(payload_file, "w") as f:
        json.dump({"payload": {"email": "ada@example.com", "name": "Ada", "company": "ACME", "website": "https://acme.example"}, "outputs": {}}, f)
    build = [HANDOFF, "build", os.path.join(ROOT, "examples", "lead_qualification.handoff"),
             "--target", "n8n", "-o", out, "--test-payload", payload_file]
    first = subprocess.run(build, capture_output=True, text=True)
    if first.returncode != 0:
        fail("implementations", f"build failed: {first.stderr}")
        return
    directory = os.path.join(out, "implementations")
    edits = {
        "lead_qualification.enrich.json": {"employees": 7, "tier": "smb"},
        # `budget` is missing on purpose.
        "lead_qualification.qualify.json": {"intent": 40, "pain_points": ["time"], "brief": "edited", "_confidence": 0.9},
    }
    for name, returns in edits.items():
        path = os.path.join(directory, name)
        with open(path) as f:
            implementation = json.load(f)
        code = next(n for n in implementation["nodes"] if n["type"] == "n8n-nodes-base.code")
        code["parameters"]["jsCode"] = f"// edited by the harness\nreturn [{{ json: {json.dumps(returns)} }}];"
        with open(path, "w") as f:
            json.dump(implementation, f, indent=2)
    before = {name: open(os.path.join(directory, name)).read() for name in edits}
    second = subprocess.run(build, capture_output=True, text=True)
    if second.returncode != 0 or "kept" not in second.stdout:
        fail("implementations", f"the second build did not keep the implementations:\n{second.stdout}")
    for name, text in before.items():
        if open(os.path.join(directory, name)).read() != text:
            fail("implementations", f"building again overwrote the edited {name}")
    log("  building again kept the edited implementations")
    workflow = json.load(open(os.path.join(out, "lead_qualification.json")))
    workflow["id"] = "hcimplementatio1"
    workflow["name"] = "lead_qualification [implementations]"
    as_webhook(workflow)
    with open(os.path.join(out, "lead_qualification.json"), "w") as f:
        json.dump(workflow, f)
    if not imported(home, directory, "implementations"):
        return
    for name in sorted(os.listdir(directory)):
        implementation_id = json.load(open(os.path.join(directory, name)))["id"]
        result = n8n(home, "publish:workflow", f"--id={implementation_id}")
        if result.returncode != 0:
            fail("implementations", f"publish failed: {result.stderr[-1000:]}")
            return
    result = n8n(home, "import:workflow", f"--input={os.path.join(out, 'lead_qualification.json')}")
    if result.returncode != 0:
        fail("implementations", f"import failed: {result.stderr[-1000:]}")
        return
    publish(home, [workflow["id"]])
    run = execute(home, workflow)
    if run is None:
        fail("implementations", "no execution finished")
        return
    run_data = run["data"]["resultData"]["runData"]
    context = run_data.get("qualify · context", [{}])[0].get("data", {}).get("main", [[]])[0]
    got = context[0]["json"] if context else {}
    if got.get("employees") != 7 or got.get("tier") != "smb":
        fail("implementations", f"enrich's values did not reach qualify: {got}")
    else:
        log("  the edited enrich ran and its provides reached qualify")
    failed = run_data.get("qualify · failed", [{}])[0].get("data", {}).get("main", [[]])[0]
    error = failed[0]["json"].get("_error", "") if failed else ""
    if run.get("status") != "waiting" or "budget" not in error or "qualify · ask the owner" not in run_data:
        fail("implementations", f"a missing `budget` did not fail the step and ask its owner (status {run.get('status')}, {error!r})")
    else:
        log(f"  qualify's missing provides failed the step and the owner was asked: {error}")
    if "handoff qualify → book_meeting" in run_data or "qualify · route" in run_data:
        fail("implementations", "the work went on after a missing provides")


PROMISE_STUBS = {
    "branches.split": {"note": "split"},
    "branches.log": {"logged": "yes"},
    "breach.prepare": {"note": "prepared"},
    "unanswered_escalation.judge": {"verdict": "unsure", "_confidence": 0.1},
}


def promises(home, work, mailbox):
    """The time promises of tests/n8n/promises.handoff on a running n8n, with SLAs of seconds:
    branches run apart (the clerk's open task does not hold up the other branch); past the SLA
    the fallback gets the task and past its time the run ends as breached with the owner told;
    an escalation nobody takes over never lets the agent's result through; an `elapsed`
    escalation fires while the person has not answered. n8n looks for runs whose time ran out
    once a minute, so this takes a few minutes."""
    log("promises: branches, breach, unanswered escalation, elapsed escalation")
    out = os.path.join(work, "promises")
    result = subprocess.run(
        [HANDOFF, "build", os.path.join(ROOT, "tests", "n8n", "promises.handoff"), "--target", "n8n", "-o", out],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.exit(f"error: handoff build failed:\n{result.stderr}")
    flat = os.path.join(work, "promises-import")
    os.makedirs(flat)
    ids = {}
    for directory in (out, os.path.join(out, "implementations")):
        for file in sorted(os.listdir(directory)):
            if not file.endswith(".json"):
                continue
            workflow = json.load(open(os.path.join(directory, file)))
            if directory.endswith("implementations"):
                stub(workflow, PROMISE_STUBS.get(workflow["name"].removesuffix(" (implementation)"), {}))
            ids[workflow["name"]] = workflow["id"]
            json.dump(workflow, open(os.path.join(flat, file), "w"))
    if not imported(home, flat, "promises"):
        return
    publish(home, sorted(ids.values()))
    checks = {
        "branches": lambda: branches_ran_apart(home, ids["branches"]),
        "breach": lambda: breached(home, ids["breach"], mailbox, "sign", "file · context", "breach"),
        "unanswered escalation": lambda: breached(
            home, ids["unanswered_escalation"], mailbox, "judge · escalation (1)", "act · context", "unanswered_escalation"
        ),
        "elapsed escalation": lambda: escalated_while_waiting(home, ids["elapsed_escalation"], mailbox),
    }
    with Server(home) as server:
        for path in ("branches", "breach", "escalation", "elapsed"):
            status = server.request(f"webhook/promises/{path}", json.dumps({"item": f"item-{path}"}).encode(), "application/json")
            if status != 202:
                fail("promises", f"the webhook promises/{path} answered {status}, expected 202")
        deadline = time.time() + 600
        pending = dict(checks)
        while pending and time.time() < deadline:
            for name, check in list(pending.items()):
                if check() is None:
                    log(f"  {name}: kept")
                    del pending[name]
            time.sleep(5)
    for name, check in pending.items():
        problem = check()
        if problem is not None:
            fail("promises", f"{name}: {problem}")
    # The trails of the runs nobody answered: written after waits that ran out.
    trails = {
        "breach": [
            ("route", "start", "bot", "", "to prepare"),
            ("handoff", "prepare", "bot, clerk", "item, note", "to sign"),
            ("fallback", "sign", "backup", "item, note", "no answer in time: backup takes over"),
            ("sla breach", "sign", "backup", "", "no answer in time from the fallback backup"),
        ],
        "unanswered_escalation": [
            ("route", "start", "bot", "", "to judge"),
            ("escalation", "judge", "bot, clerk", "item, verdict", "to clerk when confidence < 0.5"),
            ("fallback", "judge", "backup", "item, verdict", "no answer in time: backup takes over"),
            ("sla breach", "judge", "backup", "", "no answer in time from the fallback backup"),
        ],
        "elapsed_escalation": [
            ("route", "start", "clerk", "", "to sign"),
            ("escalation", "sign", "clerk, backup", "item", "to backup: no answer in time (elapsed > 5s)"),
            ("notice", "sign", "", "", "kept in customer_message: the workflow has no customer field"),
        ],
    }
    for name, expected in trails.items():
        rows = executions(home, ids[name])
        if not rows:
            fail("promises", f"{name}: no run")
            continue
        check_trail(f"promises ({name})", audit_rows(home, rows[-1][0]), expected, ["item-"], name, "")
    # Branches: the run that forks writes its routes; each branch's run starts its own trail by
    # naming the run that forked it.
    runs_ = executions(home, ids["branches"])
    if runs_:
        main = runs_[-1][0]
        check_trail("promises (branches)", audit_rows(home, main), [
            ("route", "start", "bot", "", "to split"),
            ("handoff", "split", "bot, clerk", "item, note", "to sign"),
            ("route", "split", "bot", "", "to log"),
        ], ["item-"], "branches", "")
        firsts = sorted(
            (r["event"], r["step"], r["actors"], r["detail"])
            for other in runs_[:-1] for r in audit_rows(home, other[0])[:1]
        )
        want = [
            ("fork", "log", "bot", f"from split, started by run {main}"),
            ("fork", "sign", "clerk", f"from split, started by run {main}"),
        ]
        if firsts != want:
            fail("promises", f"branches: the forked runs' trails begin {firsts}, expected {want}")
        else:
            log(f"  each branch's trail begins by naming the run that forked it ({main})")


def runs(home, workflow_id):
    return executions(home, workflow_id)


def branches_ran_apart(home, workflow_id):
    rows = runs(home, workflow_id)
    waiting = [r for r in rows if r[1] == "waiting" and "sign · context" in r[2]]
    done = [r for r in rows if r[1] == "success" and "log · result" in r[2]]
    if not waiting or not done:
        return f"expected one run waiting at the clerk's task and one that finished `log`, got {[(r[0], r[1]) for r in rows]}"
    return None


def breached(home, workflow_id, mailbox, what, never, workflow):
    rows = runs(home, workflow_id)
    ended = [r for r in rows if f"{what} · SLA breached (end)" in r[2]]
    if not ended:
        return f"no run ended at `{what} · SLA breached (end)` yet: {[(r[0], r[1]) for r in rows]}"
    if any(never in r[2] for r in rows):
        return f"the work went on to `{never}` although nobody answered"
    if not [m for m in mailbox.to("backup@example.com") if "time ran out" in m["subject"] and what.split(" ·")[0] in m["subject"] + m["body"]]:
        return "the fallback (backup@example.com) never got the task"
    if not [m for m in mailbox.to("boss@example.com") if m["subject"].startswith(f"{workflow}: nobody answered in time")]:
        return "the owner (boss@example.com) was not told of the breach"
    return None


def escalated_while_waiting(home, workflow_id, mailbox):
    rows = runs(home, workflow_id)
    waiting = [r for r in rows if r[1] == "waiting" and "sign · taken over by backup (1)" in r[2]]
    if not waiting:
        return f"no run waits at `sign · taken over by backup (1)`: {[(r[0], r[1]) for r in rows]}"
    if not [m for m in mailbox.to("backup@example.com") if m["subject"] == "Take over sign"]:
        return "backup@example.com never got the escalated task"
    if any('"sign · answer"' in r[2] for r in rows):
        return "the clerk's task counted as answered"
    return None


def calling(implementation, url):
    """An implementation whose work is an HTTP call whose answer is what it returns."""
    replace_body(implementation, "Call", "n8n-nodes-base.httpRequest", 4.2, {"url": url, "options": {}})


def retries(home, work):
    """A reversible implementation that fails once is retried and succeeds; one that is not
    reversible (compiled as an irreversible one is) fails once, is not retried, and the run
    waits for the workflow owner's choice."""
    log("retries: reversible retried, irreversible not")
    out = os.path.join(work, "retries")
    payload_file = os.path.join(work, "retries.payload.json")
    with open(payload_file, "w") as f:
        json.dump({"payload": {"item": "I-1"}, "outputs": {}}, f)
    result = subprocess.run(
        [HANDOFF, "build", os.path.join(ROOT, "tests", "n8n", "promises.handoff"), "--target", "n8n",
         "-o", out, "--test-payload", payload_file],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        fail("retries", f"build failed: {result.stderr[-2000:]}")
        return
    directory = os.path.join(out, "implementations")
    flat = os.path.join(work, "retries-import")
    os.makedirs(flat)
    base = f"http://127.0.0.1:{CALLBACKS.port}"
    ids = []
    for file in sorted(os.listdir(directory)):
        implementation = json.load(open(os.path.join(directory, file)))
        name = implementation["name"].removesuffix(" (implementation)")
        if name == "retries.flaky":
            calling(implementation, f"{base}/flaky/retries")
        elif name == "retries.once":
            calling(implementation, f"{base}/broken/retries")
        elif not name.startswith("retries."):
            continue
        ids.append(implementation["id"])
        json.dump(implementation, open(os.path.join(flat, file), "w"))
    workflow = json.load(open(os.path.join(out, "retries.json")))
    as_webhook(workflow)
    ids.append(workflow["id"])
    json.dump(workflow, open(os.path.join(flat, "retries.json"), "w"))
    if not imported(home, flat, "retries"):
        return
    publish(home, ids)
    run = execute(home, workflow)
    if run is None:
        fail("retries", "no execution finished")
        return
    run_data = run["data"]["resultData"]["runData"]
    flaky = CALLBACKS.hits.get("/flaky/retries", 0)
    broken = CALLBACKS.hits.get("/broken/retries", 0)
    if flaky != 2 or "flaky · returned" not in run_data:
        fail("retries", f"the reversible step was asked {flaky} times (expected 2: a failure, then a retry that succeeds)")
    else:
        log("  the reversible step failed once, was retried and went on")
    failed = run.get("status") == "waiting" and "once · ask the owner" in run_data and "once · returned" not in run_data
    if broken != 1 or not failed:
        fail("retries", f"the step that is not reversible was asked {broken} times (expected once) and the run is {run.get('status')!r}")
    else:
        log("  the step that is not reversible failed once and was not retried; its owner was asked what now")
    if "done · context" in run_data:
        fail("retries", "the work went on after the step failed")


# Queue mode: what users run when one n8n process is not enough. A main process takes webhooks,
# forms and resumes and puts every execution on a Redis queue; workers take them off and run
# them; all share one PostgreSQL database and one encryption key.

DB_PASSWORD = "handoff-harness-db"


def postgres_program(name):
    """A PostgreSQL program: Debian keeps the server's out of PATH, in
    /usr/lib/postgresql/VERSION/bin; the newest installed version is used."""
    found = [p for p in glob.glob(f"/usr/lib/postgresql/*/bin/{name}") if p.split("/")[4].isdigit()]
    found.sort(key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


def ensure_queue_services():
    """Installs PostgreSQL and Redis from Debian's packages unless they are installed."""
    if postgres_program("initdb") and postgres_program("pg_ctl") and shutil.which("redis-server"):
        return
    if os.geteuid() != 0:
        sys.exit("error: queue mode needs PostgreSQL and Redis: apt-get install -y postgresql redis-server")
    log("installing PostgreSQL and Redis from Debian's packages")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql", "redis-server"], env=env, check=True)
    if not (postgres_program("initdb") and shutil.which("redis-server")):
        sys.exit("error: apt-get installed postgresql and redis-server, but initdb or redis-server is missing")


def as_database_owner(command):
    """PostgreSQL refuses to run as root: as root, its programs run as Debian's `postgres` user
    (started in the database's directory: it may not enter the caller's)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def stop_process(process):
    """Stops a process the harness started in a session of its own, with whatever it started
    (n8n's task runners): SIGTERM to its process group, SIGKILL if it has not stopped in 30 s."""
    for sent, seconds in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            continue


def wait_ready(url, process, name, seconds=180):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(1)
    raise RuntimeError(f"{name} was not ready after {seconds} s ({url})")


class QueueDeployment:
    """n8n in queue mode on 127.0.0.1: a PostgreSQL and a Redis of its own (free ports, data in a
    temporary directory), one main process (`n8n start`) and two `n8n worker` processes. While
    the `with` block lasts, the harness's n8n CLI calls, `executions` and `publish` use its
    database; when it ends, failed or not, every process it started is stopped."""

    WORKERS = 2

    def __init__(self, work):
        self.work = work
        self.processes = []
        self.workers = []
        self.root = None
        self.pg_data = None

    def __enter__(self):
        global QUEUE
        try:
            self.start_postgres()
            self.start_redis()
        except BaseException:
            self.__exit__()
            raise
        QUEUE = self
        return self

    def __exit__(self, *exc):
        global QUEUE
        QUEUE = None
        for name, process, output in reversed(self.processes):
            stop_process(process)
            output.close()
            if os.environ.get("HANDOFF_N8N_DEBUG"):
                print(f"--- {name}'s log (last lines)\n{open(output.name).read()[-3000:]}")
        if self.pg_data is not None:
            subprocess.run(
                as_database_owner([postgres_program("pg_ctl"), "-D", self.pg_data, "-m", "fast", "-w", "stop"]),
                capture_output=True, cwd=self.root,
            )
        if self.root is not None and not os.environ.get("HANDOFF_N8N_DEBUG"):
            shutil.rmtree(self.root, ignore_errors=True)

    def spawn(self, name, command, env, cwd):
        """Starts a process in a session of its own, its output in NAME.log under the work
        directory."""
        output = open(os.path.join(self.work, f"{name}.log"), "w")
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((name, process, output))
        return process

    def start_postgres(self):
        # Its own directory outside the work directory, which only root may enter.
        self.root = tempfile.mkdtemp(prefix="handoff-n8n-postgres-")
        if os.geteuid() == 0:
            import pwd

            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.pg_port = free_port()
        data = os.path.join(self.root, "data")
        result = subprocess.run(
            as_database_owner([postgres_program("initdb"), "-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C",
                               "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"]),
            capture_output=True, text=True, cwd=self.root,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        options = f"-c listen_addresses=127.0.0.1 -c port={self.pg_port} -c unix_socket_directories={self.root} -c fsync=off"
        result = subprocess.run(
            as_database_owner([postgres_program("pg_ctl"), "-D", data, "-l", os.path.join(self.root, "postgres.log"),
                               "-o", options, "-w", "-t", "60", "start"]),
            capture_output=True, text=True, cwd=self.root,
        )
        self.pg_data = data
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        result = subprocess.run(
            [postgres_program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.root, "-p", str(self.pg_port),
             "-U", "postgres", "-d", "postgres",
             "-c", f"create role n8n login password '{DB_PASSWORD}'", "-c", "create database n8n owner n8n"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"could not create n8n's database:\n{result.stderr[-2000:]}")
        log(f"  PostgreSQL on 127.0.0.1:{self.pg_port}")

    def start_redis(self):
        self.redis_port = free_port()
        directory = os.path.join(self.work, "redis")
        os.makedirs(directory)
        process = self.spawn(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "", "--appendonly", "no",
             "--dir", directory],
            dict(os.environ), directory,
        )
        deadline = time.time() + 30
        while time.time() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        log(f"  Redis on 127.0.0.1:{self.redis_port}")
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("Redis did not start")

    def settings(self):
        """What every n8n process of the deployment (and the CLI) is told."""
        return {
            "EXECUTIONS_MODE": "queue",
            "DB_TYPE": "postgresdb",
            "DB_POSTGRESDB_HOST": "127.0.0.1",
            "DB_POSTGRESDB_PORT": str(self.pg_port),
            "DB_POSTGRESDB_DATABASE": "n8n",
            "DB_POSTGRESDB_USER": "n8n",
            "DB_POSTGRESDB_PASSWORD": DB_PASSWORD,
            "QUEUE_BULL_REDIS_HOST": "127.0.0.1",
            "QUEUE_BULL_REDIS_PORT": str(self.redis_port),
            # Resume links and form URLs that workers write name the main, which serves them.
            "WEBHOOK_URL": f"http://127.0.0.1:{N8N_PORT}/",
            "OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS": "true",
            "N8N_GRACEFUL_SHUTDOWN_TIMEOUT": "10",
        }

    def start_n8n(self, home):
        """The main, then the workers: the main runs the database migrations first. Each worker
        has its own folder (and so its own event log), task broker port and health port."""
        self.home = home
        main = self.spawn("main", [N8N_BIN, "start"], n8n_env(home), home)
        wait_ready(f"http://127.0.0.1:{N8N_PORT}/healthz/readiness", main, "the main process")
        for number in range(1, self.WORKERS + 1):
            folder = os.path.join(self.work, f"worker{number}")
            os.makedirs(folder)
            health = free_port()
            env = n8n_env(folder)
            env.update(
                {
                    "N8N_RUNNERS_BROKER_PORT": str(free_port()),
                    "QUEUE_HEALTH_CHECK_ACTIVE": "true",
                    "QUEUE_HEALTH_CHECK_PORT": str(health),
                    "N8N_WORKER_SERVER_ADDRESS": "127.0.0.1",
                }
            )
            process = self.spawn(f"worker{number}", [N8N_BIN, "worker", "--concurrency=5"], env, folder)
            self.workers.append({"name": f"worker{number}", "folder": folder, "health": health, "process": process})
        for worker in self.workers:
            wait_ready(f"http://127.0.0.1:{worker['health']}/healthz/readiness", worker["process"], worker["name"])
        log(f"  n8n main on 127.0.0.1:{N8N_PORT}, {self.WORKERS} workers ready")

    def check_workers(self):
        """Every execution ran on a worker, and both workers are alive.

        n8n 2.8.4's execution records do not name the process that ran an execution: neither
        execution_entity, execution_data nor execution_metadata has such a column, and the
        worker's id travels only in the Bull job, which is removed once done. What n8n does
        record is its event log, which each process writes in its own folder: the main logs
        `n8n.queue.job.enqueued` for every job it puts on the queue, a worker logs
        `n8n.queue.job.dequeued` for every job it takes and `n8n.node.started` for every node it
        runs, with the execution's id. So: every node in an execution's run data (the database's
        record of what ran) must have been started on a worker and none on the main, every job
        the main enqueued must have been taken by a worker, and both workers must have taken
        jobs (when there were at least two each) and still answer their readiness check
        (database and Redis connected)."""
        name = "queue mode"
        log("queue mode: where the executions ran")
        rows = json.loads(self.sql(
            "select coalesce(json_agg(json_build_array(e.id, d.data) order by e.id), '[]') "
            "from execution_entity e join execution_data d on d.\"executionId\" = e.id"
        ))
        run_nodes = {str(execution): list(unflatten(data)["resultData"]["runData"]) for execution, data in rows}
        problems = None
        for _ in range(10):
            # The event log is written by a thread of its own: the last lines may lag a little.
            main = event_log(self.home)
            started, dequeued = {}, {}
            for worker in self.workers:
                for event in event_log(worker["folder"]):
                    payload = event.get("payload", {})
                    if event["eventName"] == "n8n.node.started":
                        started.setdefault((payload["executionId"], payload["nodeName"]), set()).add(worker["name"])
                    elif event["eventName"] == "n8n.queue.job.dequeued":
                        dequeued[payload["jobId"]] = worker["name"]
            enqueued = [e["payload"]["jobId"] for e in main if e["eventName"] == "n8n.queue.job.enqueued"]
            on_main = {}
            for event in main:
                if event["eventName"] == "n8n.node.started":
                    on_main.setdefault(event["payload"]["executionId"], []).append(event["payload"]["nodeName"])
            problems = [f"the main ran execution {execution} itself: {nodes}" for execution, nodes in on_main.items()]
            problems += [f"no worker took job {job} off the queue" for job in enqueued if job not in dequeued]
            for execution, nodes in run_nodes.items():
                elsewhere = [node for node in nodes if (execution, node) not in started]
                if elsewhere:
                    problems.append(f"execution {execution}: {elsewhere} ran, but on no worker")
            if not problems:
                break
            time.sleep(1)
        for problem in problems:
            fail(name, problem)
        if not rows:
            fail(name, "the database recorded no execution")
        if not enqueued:
            fail(name, "the main put no job on the queue")
        for worker in self.workers:
            jobs = sorted(job for job, by in dequeued.items() if by == worker["name"])
            try:
                status, _ = get(f"http://127.0.0.1:{worker['health']}/healthz/readiness")
            except (urllib.error.URLError, OSError) as error:
                status = f"unreachable: {error}"
            if worker["process"].poll() is not None or status != 200:
                fail(name, f"{worker['name']} is not alive (exit code {worker['process'].poll()}, readiness HTTP {status})")
            elif not jobs and len(enqueued) >= 2 * self.WORKERS:
                # With a few cases (a developer's subset) one worker may well take them all.
                fail(name, f"{worker['name']} took none of the {len(enqueued)} jobs")
            else:
                log(f"  {worker['name']} took {len(jobs)} of the {len(enqueued)} jobs and is alive and ready")
        if not problems:
            nodes = sum(len(n) for n in run_nodes.values())
            log(f"  all {len(rows)} executions ({nodes} node runs) ran on the workers; the main enqueued {len(enqueued)} jobs and ran no node")

    def sql(self, query, **params):
        """One query on n8n's database, through psql; `:'NAME'` in the query is params[NAME] as a
        quoted literal."""
        command = [postgres_program("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                   "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "n8n", "-d", "n8n"]
        for name, value in params.items():
            command += ["-v", f"{name}={value}"]
        result = subprocess.run(command, input=query, capture_output=True, text=True,
                                env=dict(os.environ, PGPASSWORD=DB_PASSWORD))
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr[-2000:]}")
        return result.stdout

    def executions(self, workflow_id):
        return json.loads(self.sql(
            "select coalesce(json_agg(json_build_array(e.id, e.status, d.data) order by e.id desc), '[]') "
            "from execution_entity e join execution_data d on d.\"executionId\" = e.id where e.\"workflowId\" = :'workflow'",
            workflow=workflow_id,
        ))

    def publish(self, workflow_ids):
        count = self.sql(
            "with published as (update workflow_entity set active = true, \"activeVersionId\" = \"versionId\" "
            "where id = any(string_to_array(:'ids', ',')) and exists (select 1 from workflow_history h "
            "where h.\"workflowId\" = workflow_entity.id and h.\"versionId\" = workflow_entity.\"versionId\") "
            "returning id) select count(*) from published",
            ids=",".join(workflow_ids),
        )
        if int(count) != len(set(workflow_ids)):
            sys.exit(f"error: published {count.strip()} of {len(set(workflow_ids))} workflows")


def event_log(folder):
    """The events n8n's event bus logged in a process's folder (the main's n8nEventLog.log, a
    worker's n8nEventLog-worker.log, and their rotated files)."""
    events = []
    for path in sorted(glob.glob(os.path.join(folder, ".n8n", "n8nEventLog*.log"))):
        with open(path) as f:
            for line in f:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # a line being written
                if isinstance(event, dict) and "eventName" in event:
                    events.append(event)
    return events


def unflatten(text):
    """Execution data as n8n stores it, in the `flatted` format: a JSON array whose first entry is
    the value; inside an entry, a string stands for the entry at that index (a string, an object
    or an array), which is how shared and cyclic references are kept."""
    table = json.loads(text)
    built = {}

    def entry(index):
        value = table[index]
        if not isinstance(value, (dict, list)):
            return value
        if index not in built:
            if isinstance(value, list):
                built[index] = []
                built[index].extend(revive(v) for v in value)
            else:
                built[index] = {}
                built[index].update((k, revive(v)) for k, v in value.items())
        return built[index]

    def revive(value):
        return entry(int(value)) if isinstance(value, str) else value

    return entry(0)


def as_webhook(workflow):
    """A test variant's manual trigger becomes a webhook under the same name, at
    `webhook/handoff-run/WORKFLOW_ID`, that answers at once, so that its run starts on the
    running server as a production run does (n8n's `execute` CLI runs in a process of its own
    that loads none of the server's modules, such as the data tables the audit writes to, and in
    queue mode never reaches a worker). The payload node after it emits the test payload
    whatever it receives."""
    node = next(n for n in workflow["nodes"] if n["name"] == "Test start")
    node.update(
        {
            "type": "n8n-nodes-base.webhook",
            "typeVersion": 2,
            "parameters": {"httpMethod": "POST", "path": f"handoff-run/{workflow['id']}", "responseMode": "onReceived", "options": {}},
            "webhookId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"handoff-run/{workflow['id']}")),
        }
    )


def stop_lingering():
    global LINGERING
    if LINGERING is not None:
        LINGERING.__exit__(None, None, None)
        LINGERING = None


def execute(home, workflow, seconds=300):
    """Starts a published test variant (see `as_webhook`) on the server and returns its run once
    it stopped running, shaped as n8n's CLI prints one; None when it did not start or stop. The
    server keeps running (see `LINGERING`): stopping it under a run that just began to wait can
    leave that run `crashed`."""
    global LINGERING
    before = {row[0] for row in executions(home, workflow["id"])}
    if not SERVING and QUEUE is None:
        LINGERING = Server(home).__enter__()
    with Server(home) as server:
        if not start_case(server, workflow):
            return None
        return finished_run(home, workflow["id"], seconds, before)


def start_case(server, workflow):
    """POSTs to the webhook of a test variant (`as_webhook`); whether it answered 200."""
    return server.request(f"webhook/handoff-run/{workflow['id']}", b"{}", "application/json") == 200


def check_case(case, workflow, home, mailbox):
    """A case's run, once it stopped: what it did, its audit trail, and the task it waits at
    answered as its person would."""
    run = finished_run(home, workflow["id"])
    if run is None:
        fail(case["name"], "no execution finished")
        return
    check_run(case, run)
    check_case_trail(case, home, run)
    if "resume" in case["expect"]:
        resume_waiting_form(case, workflow, home, mailbox)


def finished_run(home, workflow_id, seconds=300, before=()):
    """The workflow's first execution but those in `before` (the case's run: the runs it starts
    itself, such as a task's delivery to each inbox, come after it) once it has stopped running,
    shaped as n8n's CLI prints one (status and data)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        rows = [row for row in executions(home, workflow_id) if row[0] not in before]
        if rows and rows[-1][1] not in ("new", "running"):
            return {"id": rows[-1][0], "status": rows[-1][1], "data": unflatten(rows[-1][2])}
        time.sleep(1)
    return None


def queue_mode(cases, full, home, work, mailbox):
    """The same cases, and the shipped examples started as their users start them, on n8n's queue
    mode, with the same checks; then every execution must have run on a worker, and both workers
    must still be alive."""
    log("queue mode: PostgreSQL, Redis, one n8n main, two n8n workers")
    with QueueDeployment(work) as deployment:
        import_credentials(home, work, mailbox)
        imports = os.path.join(work, "import")
        os.makedirs(imports)
        workflows = compile_cases(cases, work, imports)
        lives = []
        if full:
            with open(os.path.join(ROOT, "tests", "n8n", "live.json")) as f:
                for live in json.load(f):
                    out, files = ship(work, live)
                    for path in files:
                        target = os.path.join(imports, f"{json.load(open(path))['id']}.json")
                        if os.path.exists(target) and open(target).read() != open(path).read():
                            sys.exit(f"error: {live['name']} and a case import different workflows under one id ({target})")
                        shutil.copy(path, target)
                    lives.append((live, out))
        ids = import_all(home, imports)
        # Everything is published before the main starts, which registers the webhooks.
        publish(home, ids)
        log(f"imported and published {len(ids)} workflows into n8n {N8N_VERSION}")
        deployment.start_n8n(home)
        with Server(home) as server:
            for case in cases:
                if not start_case(server, workflows[case["name"]]):
                    fail(case["name"], "the webhook that starts the case did not answer 200")
            log(f"started {len(cases)} cases through their webhooks")
            for case in cases:
                log(f"case {case['name']} ({case['example']})")
                workflow = workflows[case["name"]]
                check_form(case, workflow)
                check_case(case, workflow, home, mailbox)
            for live, out in lives:
                log(f"{live['name']} ({live['example']})")
                started_as_users_do(server, home, out, live, mailbox)
        deployment.check_workers()
    return len(cases) + len(lives) + 1


def compile_cases(cases, work, imports):
    """Compiles every case into one directory of workflows to import: the case's workflow (under
    a name and id of its own, started through its webhook: `as_webhook`) and its
    implementations. Returns the workflows by case name."""
    workflows = {}
    for case in cases:
        workflow, implementations = compile_case(case, work)
        as_webhook(workflow)
        workflows[case["name"]] = workflow
        with open(os.path.join(imports, f"{case['name']}.json"), "w") as f:
            json.dump(workflow, f)
        for implementation in implementations:
            with open(os.path.join(imports, f"{implementation['id']}.json"), "w") as f:
                json.dump(implementation, f)
    return workflows


def import_all(home, imports):
    result = n8n(home, "import:workflow", "--separate", f"--input={imports}")
    if result.returncode != 0:
        sys.exit(f"error: n8n import failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return sorted(json.load(open(os.path.join(imports, name)))["id"] for name in os.listdir(imports))


def single_process(cases, names, home, work, mailbox):
    """The cases on one n8n process with SQLite, each started through a webhook of its own on
    the running server, as production runs start (n8n's `execute` CLI loads none of the server's
    modules, and the audit's data table is one)."""
    import_credentials(home, work, mailbox)
    imports = os.path.join(work, "import")
    os.makedirs(imports)
    workflows = compile_cases(cases, work, imports)
    ids = import_all(home, imports)
    # Published before the server starts, which registers the webhooks (n8n 2 also starts only
    # published workflows from another run).
    publish(home, ids)
    log(f"imported {len(cases)} workflows and {len(ids) - len(cases)} implementations into n8n {N8N_VERSION}")
    if cases:
        with Server(home) as server:
            for case in cases:
                log(f"case {case['name']} ({case['example']})")
                workflow = workflows[case["name"]]
                check_form(case, workflow)
                if not start_case(server, workflow):
                    fail(case["name"], "the webhook that starts the case did not answer 200")
                    continue
                check_case(case, workflow, home, mailbox)
    # The scenarios after the cases, by name: `harness.py errors` runs only that one.
    scenarios = {
        "shipped": lambda: [shipped(home, work, live, mailbox) for live in json.load(open(os.path.join(ROOT, "tests", "n8n", "live.json")))],
        "implementations": lambda: implementation_scenario(home, work),
        "retries": lambda: retries(home, work),
        "errors": lambda: errors_scenario(home, work, mailbox),
        "promises": lambda: promises(home, work, mailbox),
        "inboxes": lambda: inboxes_scenario(home, work, mailbox),
        "audit": lambda: audit_scenario(home, work, mailbox),
    }
    chosen = [name for name in scenarios if not names or name in names]
    for name in chosen:
        scenarios[name]()
    return len(cases) + len(chosen)
def posting(implementation, url):
    """An implementation whose work posts what it received (its inputs) to `url`."""
    replace_body(
        implementation, "Post", "n8n-nodes-base.httpRequest", 4.2,
        {"method": "POST", "url": url, "sendBody": True, "specifyBody": "json",
         "jsonBody": "={{ JSON.stringify($json) }}", "options": {}},
    )


def answer_owner(case, home, workflow, execution, mailbox, node_name, choice, values=None):
    """Answers the owner's task of a failed step through the signed link of its email (the
    choice, then `values` by field label)."""
    node = next(n for n in workflow["nodes"] if n["name"] == node_name)
    link = signed_link(mailbox, node, execution)
    if link is None:
        fail(case, f"no email to {node['parameters']['toEmail']} carries the link of `{node_name}`")
        return False
    status, page = opened(link)
    if status != 200 or choice not in page:
        fail(case, f"the owner's link does not open the form with the choice {choice!r} (HTTP {status})")
        return False
    labels = form_labels(node) or []
    values = dict(values or {})
    body, content_type = multipart({f"field-{i}": (choice if i == 0 else values.get(label, "")) for i, label in enumerate(labels)})
    status = post(link, body, content_type)
    log(f"  the owner chose {choice} through the signed link (HTTP {status})")
    return True


def task_links(mailbox, node):
    """The resume links of every email a send-and-wait node sent (any execution)."""
    import html
    import re

    links = []
    for message in mailbox.to(node["parameters"]["toEmail"]):
        for url in re.findall(r'href="([^"]+)"', message["body"]):
            url = html.unescape(url)
            if f"/{node['id']}" in url and url not in links:
                links.append(url)
    return links


def run_data(row):
    return unflatten(row[2]).get("resultData", {}).get("runData", {})


def answered(home, workflow_id, node_name):
    """The items the node `node_name` put out in the run that has run it (the main run)."""
    for row in executions(home, workflow_id):
        runs = run_data(row).get(node_name)
        if runs:
            return row, [i["json"] for r in runs for i in (r.get("data", {}).get("main") or [[]])[0]]
    return None, []


def times_ran(home, workflow_id, node_name):
    """How many times the node `node_name` ran in the run that ran it most."""
    return max([len(run_data(row).get(node_name) or []) for row in executions(home, workflow_id)] or [0])


def until(check, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    return check()


AUDIT_COLUMNS = ["time", "workflow", "version", "run", "step", "event", "actors", "fields", "detail", "fingerprint"]


def audit_rows(home, run):
    """The rows of the audit table `handoff_audit` that the execution `run` wrote, in the order
    they were written, as dicts of its columns."""
    columns = ", ".join(f'"{c}"' for c in AUDIT_COLUMNS)
    if QUEUE is not None:
        table = QUEUE.sql("select id from data_table where name = 'handoff_audit'").strip()
        if not table:
            return []
        text = QUEUE.sql(
            f"select coalesce(json_agg(json_build_array({columns}) order by id), '[]') from \"data_table_user_{table}\" where run = :'run'",
            run=str(run),
        )
        return [dict(zip(AUDIT_COLUMNS, row)) for row in json.loads(text)]
    with sqlite3.connect(os.path.join(home, ".n8n", "database.sqlite")) as conn:
        found = conn.execute("select id from data_table where name = 'handoff_audit'").fetchone()
        if found is None:
            return []
        rows = conn.execute(
            f'select {columns} from "data_table_user_{found[0]}" where run = ? order by id', (str(run),)
        ).fetchall()
    return [dict(zip(AUDIT_COLUMNS, row)) for row in rows]


def holding(rows, values):
    """The first (row, column, value) where an audit row holds one of `values` (its time
    aside), or None."""
    for row in rows:
        for column, cell in row.items():
            for value in values:
                if column != "time" and value in str(cell):
                    return row, column, value
    return None


def check_trail(name, rows, expected, values, workflow, version):
    """The audit rows of one run are exactly `expected` ((event, step, actors, fields, detail)
    each), of `workflow` at `version`, with a time each, and none holds any of `values`."""
    got = [(r["event"], r["step"], r["actors"], r["fields"], r["detail"]) for r in rows]
    if got != expected:
        fail(name, "the audit trail is not the expected sequence:\n    got      " + "\n             ".join(map(str, got))
             + "\n    expected " + "\n             ".join(map(str, expected)))
        return False
    for row in rows:
        if row["workflow"] != workflow or row["version"] != version or not row["time"].endswith("Z"):
            fail(name, f"an audit row does not name the workflow {workflow} {version} and a UTC time: {row}")
            return False
    hit = holding(rows, values)
    if hit is not None:
        fail(name, f"the audit row {hit[0]['event']} holds the value {hit[2]!r} in `{hit[1]}`")
        return False
    log(f"  the audit trail of the run is exactly the {len(rows)} expected events, with field names and no values")
    return True


def audit_scenario(home, work, mailbox):
    """The audit trail of one run (tests/n8n/audit.handoff) on a running n8n: started by its
    webhook, approved by the approver's signed link, answered by the clerk's, it writes exactly
    the route in, the approval (with the SHA-256 fingerprint of the values approved), the handoff
    with the names of the fields it carries, and the failed notice (the customer's callback is
    down: it was tried three times, and the work went on to the next person); no row holds a
    value."""
    import hashlib

    log("audit: the trail of one run")
    out = os.path.join(work, "audit")
    result = subprocess.run(
        [HANDOFF, "build", os.path.join(ROOT, "tests", "n8n", "audit.handoff"), "--target", "n8n", "-o", out],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        fail("audit", f"build failed: {result.stderr[-2000:]}")
        return
    if not imported(home, out, "audit"):
        return
    publish(home, sorted(json.load(open(f))["id"] for f in glob.glob(os.path.join(out, "*.json"))))
    workflow = json.load(open(os.path.join(out, "audited.json")))
    nodes = {n["name"]: n for n in workflow["nodes"]}
    callback = f"http://127.0.0.1:{CALLBACKS.port}/broken/audited"
    payload = {"item": "I-7", "amount": 250, "contact": callback}
    with Server(home) as server:
        status = server.request("webhook/audited/start", json.dumps(payload).encode(), "application/json")
        if status not in (200, 202):
            fail("audit", f"the webhook answered {status}")
            return
        approval = nodes["pay · approval by boss"]
        links = until(lambda: [u for u in task_links(mailbox, approval) if "approved=true" in u])
        if not links:
            fail("audit", "the approver's email with an approve link never arrived")
            return
        status, _ = get(links[0])
        log(f"  boss approved through the signed link (HTTP {status})")
        task = nodes["pay"]
        links = until(lambda: task_links(mailbox, task))
        if not links:
            fail("audit", "the clerk's task never arrived")
            return
        until(lambda: get(links[0])[0] not in (404, 503), 30)
        labels = form_labels(task) or []
        status = post(links[0], *multipart({f"field-{i}": ("R-9" if label == "receipt" else "") for i, label in enumerate(labels)}))
        log(f"  the clerk answered through the signed link (HTTP {status})")
        # The work goes on to the next person's task whatever became of the notice.
        if not until(lambda: task_links(mailbox, nodes["file"])):
            fail("audit", "the work did not go on to `file` after the notice failed")
            return
        tries = CALLBACKS.hits.get("/broken/audited", 0)
        if tries != 3:
            fail("audit", f"the customer's callback was tried {tries} times, expected 3")
        else:
            log("  the customer's callback is down: tried 3 times, and the work went on to boss")
        main, _ = answered(home, workflow["id"], "pay · approved by boss?")
        if main is None:
            fail("audit", "no run reached the approval")
            return
        expected = [
            ("route", "start", "clerk", "", "to pay"),
            ("approval", "pay", "boss", "item, amount", "approved"),
            ("handoff", "pay", "clerk, boss", "receipt", "to file"),
            ("notice failed", "pay", "", "", "not posted to the customer's url: the delivery failed three times"),
        ]
        until(lambda: len(audit_rows(home, main[0])) >= len(expected), 30)
        time.sleep(2)  # any row too many
        rows = audit_rows(home, main[0])
    fingerprint = hashlib.sha256(json.dumps([["item", "I-7"], ["amount", 250]], separators=(",", ":")).encode()).hexdigest()
    if not check_trail("audit", rows, expected, ["I-7", "250", callback, "/broken", "R-9"], "audited", "2.0.1"):
        return
    approval_row = rows[1]
    if approval_row["fingerprint"] != fingerprint:
        fail("audit", f"the approval's fingerprint is {approval_row['fingerprint']!r}, expected the SHA-256 of the values approved, {fingerprint}")
    else:
        log("  the approval row holds the SHA-256 fingerprint of the values approved")
    # A second run, which the approver rejects: it ends there, and says so.
    before = {row[0] for row in executions(home, workflow["id"])}
    with Server(home) as server:
        status = server.request("webhook/audited/start", json.dumps({"item": "I-8", "amount": 990, "contact": callback}).encode(), "application/json")
        second = until(lambda: [r for r in executions(home, workflow["id"]) if r[0] not in before and r[1] == "waiting"])
        if not second:
            fail("audit", f"a second run did not wait for the approver (webhook {status})")
            return
        run = second[-1][0]
        reject = until(lambda: [u for u in task_links(mailbox, approval) if f"/{run}/" in u and "approved=false" in u])
        if not reject:
            fail("audit", "the second run's approval email has no reject link")
            return
        status, _ = get(reject[0])
        log(f"  boss rejected the second run through the signed link (HTTP {status})")
        expected = [
            ("route", "start", "clerk", "", "to pay"),
            ("approval", "pay", "boss", "item, amount", "rejected"),
        ]
        until(lambda: len(audit_rows(home, run)) >= len(expected), 30)
        time.sleep(2)  # any row too many
    check_trail("audit (rejected)", audit_rows(home, run), expected, ["I-8", "990", callback], "audited", "2.0.1")


def inboxes_scenario(home, work, mailbox):
    """Every inbox of a person (tests/n8n/inboxes.handoff): each email arrives with a link of its
    own; the answer through the second inbox continues the work and records that inbox; a
    later answer through the first changes nothing; a resumption of the run without the
    delivery runs' secret is no answer; a Slack delivery that fails does not stop the email one."""
    log("inboxes: a task to every inbox of its person")
    out = os.path.join(work, "inboxes")
    result = subprocess.run(
        [HANDOFF, "build", os.path.join(ROOT, "tests", "n8n", "inboxes.handoff"), "--target", "n8n", "-o", out],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.exit(f"error: handoff build failed:\n{result.stderr}")
    ids = []
    for file in glob.glob(os.path.join(out, "implementations", "*.json")):
        implementation = json.load(open(file))
        stub(implementation, {"note": "prepared"})
        json.dump(implementation, open(os.path.join(out, os.path.basename(file)), "w"))
    if not imported(home, out, "inboxes"):
        return
    workflow = json.load(open(os.path.join(out, "inboxes.json")))
    late = json.load(open(os.path.join(out, "inboxes_late.json")))
    ids = [json.load(open(f))["id"] for f in glob.glob(os.path.join(out, "*.json"))]
    publish(home, sorted(ids))
    nodes = {n["name"]: n for n in workflow["nodes"]}

    def form(node_name, values):
        labels = form_labels(nodes[node_name]) or []
        return multipart({f"field-{i}": values.get(label, "") for i, label in enumerate(labels)})

    with Server(home) as server:
        status = server.request("webhook/inboxes/start", json.dumps({"item": "item-1"}).encode(), "application/json")
        if status != 202:
            fail("inboxes", f"the webhook answered {status}, expected 202")
            return
        first = until(lambda: task_links(mailbox, nodes["sign · to email first@example.com"]))
        second = until(lambda: task_links(mailbox, nodes["sign · to email second@example.com"]))
        if len(first) != 1 or len(second) != 1:
            fail("inboxes", f"expected one link in each inbox, got {first} and {second}")
            return
        if first[0] == second[0]:
            fail("inboxes", "both inboxes got the same link")
            return
        log("  both inboxes received the task, each with a link of its own")
        # Someone who learns the run's id but not the secret cannot answer.
        main, _ = answered(home, workflow["id"], "sign · secret")
        if main is None:
            fail("inboxes", "no run made the task's secret")
            return
        status = post(f"{server.base}/webhook-waiting/{main[0]}", json.dumps({"_secret": "guess", "data": {"receipt": "forged"}}).encode(), "application/json")
        time.sleep(3)
        if answered(home, workflow["id"], "sign · answer")[1]:
            fail("inboxes", "a resumption without the secret counted as the answer")
            return
        if times_ran(home, workflow["id"], "sign · awaiting an answer") != 2:
            fail("inboxes", "the resumption without the secret did not make the run wait again")
            return
        log(f"  a resumption without the secret is no answer (HTTP {status}); the run waits again")
        until(lambda: get(second[0])[0] not in (404, 503), 30)
        status = post(second[0], *form("sign · to email second@example.com", {"receipt": "from-second"}))
        log(f"  answered through the second inbox (HTTP {status})")
        row, items = until(lambda: (lambda r: r if r[1] else None)(answered(home, workflow["id"], "sign · answer")), 60) or (None, [])
        if not items or items[0].get("_answered_by") != "email second@example.com" or items[0].get("receipt") != "from-second":
            fail("inboxes", f"the answer does not record the second inbox: {items}")
            return
        log(f"  the answer records `email second@example.com` at {items[0].get('_answered_at')}")
        # The mixed actor's Slack delivery fails offline; its email still arrives.
        mixed = until(lambda: task_links(mailbox, nodes["stamp · to email mixed@example.com"]))
        if not mixed:
            fail("inboxes", "the work did not continue to `stamp` by email (did the Slack delivery stop it?)")
            return
        log("  the work continued: `stamp` reached mixed@example.com although its Slack delivery failed")
        until(lambda: get(first[0])[0] not in (404, 503), 30)
        status = post(first[0], *form("sign · to email first@example.com", {"receipt": "from-first"}))
        log(f"  answered late through the first inbox (HTTP {status})")
        time.sleep(8)
        _, items = answered(home, workflow["id"], "sign · answer")
        _, stamps = answered(home, workflow["id"], "stamp · answer")
        if len(items) != 1 or items[0].get("receipt") != "from-second" or stamps:
            fail("inboxes", f"the late answer changed the run: {items} {stamps}")
            return
        # It did reach the run (now waiting for `stamp`, with another secret), which waited again.
        if times_ran(home, workflow["id"], "stamp · awaiting an answer") != 2:
            fail("inboxes", "the late answer never reached the run, so the test proves nothing")
            return
        failed = [r for r in executions(home, workflow["id"]) if r[1] == "error" and "stamp · to slack #clerks" in run_data(r)]
        if not failed:
            fail("inboxes", "no Slack delivery run failed: the test proves nothing about it")
            return
        log("  the late answer changed nothing")
        status = post(mixed[0], *form("stamp · to email mixed@example.com", {"stamp": "stamped"}))
        _, stamps = until(lambda: (lambda r: r if r[1] else None)(answered(home, workflow["id"], "stamp · answer")), 60) or (None, [])
        if not stamps or stamps[0].get("_answered_by") != "email mixed@example.com":
            fail("inboxes", f"the email answer of the mixed actor was not taken: {stamps}")
            return
        log("  the mixed actor's email answer continued the work")
        # Nobody answers in any inbox: past the deadline the fallback gets the task. n8n looks
        # for runs whose time ran out once a minute.
        status = server.request("webhook/inboxes/late", json.dumps({"item": "item-late"}).encode(), "application/json")
        late_nodes = {n["name"]: n for n in late["nodes"]}
        if not until(lambda: task_links(mailbox, late_nodes["sign · to email second@example.com"]), 60):
            fail("inboxes", "the late workflow's task never reached second@example.com")
            return
        covered = until(lambda: [m for m in mailbox.to("backup@example.com") if "time ran out" in m["subject"]], 180)
        if not covered:
            fail("inboxes", "nobody answered in any inbox, yet the fallback never got the task")
            return
        if answered(home, late["id"], "sign · answer")[1]:
            fail("inboxes", "the run ran out of time, yet the task counted as answered")
            return
        log("  nobody answered in any inbox: past the deadline the fallback (backup@example.com) got the task")


def errors_scenario(home, work, mailbox):
    """tests/n8n/errors.handoff on a running n8n: an irreversible step whose implementation
    fails is not retried and its owner's task arrives; abort runs the two compensations latest
    first, each with the context recorded when its step was done (what a handoff dropped
    included), and the run ends failed, which the error workflow tells the owner; retry runs
    the implementation again and the work goes on."""
    log("errors: the owner's task, abort with compensations, retry")
    out = os.path.join(work, "errors")
    payload_file = os.path.join(work, "errors.payload.json")
    with open(payload_file, "w") as f:
        json.dump({"payload": {"item": "I-1"}, "outputs": {}}, f)
    result = subprocess.run(
        [HANDOFF, "build", os.path.join(ROOT, "tests", "n8n", "errors.handoff"), "--target", "n8n",
         "-o", out, "--test-payload", payload_file],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        fail("errors", f"build failed: {result.stderr[-2000:]}")
        return
    base = f"http://127.0.0.1:{CALLBACKS.port}"
    bodies = {
        "compensation.reserve": lambda i: stub(i, {"hold": "H-1"}),
        "compensation.book": lambda i: stub(i, {"booking": "B-1"}),
        "compensation: pay": lambda i: calling(i, f"{base}/broken/compensation-pay"),
        "compensation.release": lambda i: posting(i, f"{base}/compensated/release"),
        "compensation.unbook": lambda i: posting(i, f"{base}/compensated/unbook"),
        "compensation.file": lambda i: stub(i, {}),
        "owner_retry: pay": lambda i: calling(i, f"{base}/flaky/owner-retry-pay"),
        "owner_retry.file": lambda i: stub(i, {}),
        "owner_takes_over: pay": lambda i: calling(i, f"{base}/broken/owner-takes-over-pay"),
        "owner_takes_over.file": lambda i: stub(i, {}),
    }
    flat = os.path.join(work, "errors-import")
    os.makedirs(flat)
    ids = {}
    workflows = {}
    for directory in (out, os.path.join(out, "implementations")):
        for file in sorted(os.listdir(directory)):
            if not file.endswith(".json"):
                continue
            workflow = json.load(open(os.path.join(directory, file)))
            name = workflow["name"].removesuffix(" (implementation)")
            if name in bodies:
                bodies[name](workflow)
            if any(n["name"] == "Test start" for n in workflow["nodes"]):
                as_webhook(workflow)
            ids[workflow["name"]] = workflow["id"]
            workflows[workflow["name"]] = workflow
            json.dump(workflow, open(os.path.join(flat, file), "w"))
    if not imported(home, flat, "errors"):
        return
    publish(home, sorted(ids.values()))
    executions_of = {}
    for name in ("compensation", "owner_retry", "owner_takes_over"):
        run = execute(home, workflows[name])
        if run is None:
            fail("errors", f"{name}: no execution finished")
            return
        run_data = run["data"]["resultData"]["runData"]
        waiting = [n for n, r in run_data.items() if r[-1].get("executionStatus") == "waiting"]
        if run.get("status") != "waiting" or waiting != ["pay · ask the owner"]:
            fail("errors", f"{name}: the failed step did not wait for its owner (status {run.get('status')!r}, waiting at {waiting})")
            return
        rows = [r for r in executions(home, ids[name]) if r[1] == "waiting"]
        executions_of[name] = rows[0][0]
    broken = CALLBACKS.hits.get("/broken/compensation-pay", 0)
    if broken != 1:
        fail("errors", f"the irreversible step's implementation was asked {broken} times (expected once: never retried)")
    else:
        log("  the irreversible step failed once, was not retried, and waits for its owner")
    with Server(home) as server:
        del server
        answers = (("compensation", "Abort", {}), ("owner_retry", "Retry", {}), ("owner_takes_over", "Take over", {"payout": "P-9"}))
        for name, choice, values in answers:
            mail = [m for m in mailbox.to("boss@example.com") if m["subject"] == f"{name}: pay failed"]
            if not mail:
                fail("errors", f"{name}: the owner's task never reached boss@example.com")
                continue
            log(f"  {name}: the owner's task reached boss@example.com")
            if not answer_owner("errors", home, workflows[name], executions_of[name], mailbox, "pay · ask the owner", choice, values):
                continue
        deadline = time.time() + 90
        while time.time() < deadline:
            done = {name: next(r for r in executions(home, ids[name]) if r[0] == executions_of[name]) for name in executions_of}
            told = [m for m in mailbox.to("boss@example.com") if m["subject"] == "compensation: a run failed"]
            if all(r[1] not in ("waiting", "running", "new") for r in done.values()) and told:
                break
            time.sleep(1)
    aborted = done["compensation"]
    if aborted[1] != "error" or "abort · end (failed)" not in aborted[2]:
        fail("errors", f"the aborted run is {aborted[1]!r}, expected to end failed at `abort · end (failed)`")
    else:
        log("  the aborted run ended as failed")
    got = [(r["path"], r.get("json")) for r in CALLBACKS.received if r["path"].startswith("/compensated/")]
    want = [
        ("/compensated/unbook", {"hold": "H-1", "booking": "B-1"}),
        ("/compensated/release", {"item": "I-1", "hold": "H-1"}),
    ]
    if got != want:
        fail("errors", f"the compensations received {got}, expected, latest first, {want}")
    else:
        log("  abort ran unbook then release, latest first, each with the context of its step (across the handoff that dropped it)")
    if not told:
        fail("errors", "the error workflow did not tell the owner that the aborted run failed")
    else:
        log(f"  the error workflow told the owner: {told[0]['body'].splitlines()[0]!r}")
    # The aborted run's trail: how it went, the failure, and each compensation, latest first.
    check_trail("errors", audit_rows(home, executions_of["compensation"]), [
        ("route", "start", "bot", "", "to reserve"),
        ("route", "reserve", "bot", "", "to book"),
        ("handoff", "book", "bot, clerk", "booking", "to pay"),
        ("error", "pay", "boss", "booking", "the implementation compensation: pay failed"),
        ("decision", "pay", "boss", "", "the owner chose: Abort"),
        ("compensation", "book", "bot", "hold, booking", "undo with unbook"),
        ("compensation", "reserve", "bot", "item, hold", "undo with release"),
        # Written by the error workflow, under the failed run's id.
        ("error", "abort · end (failed)", "boss", "", "the run failed"),
    ], ["I-1", "H-1", "B-1"], "compensation", "")
    retried = done["owner_retry"]
    flaky = CALLBACKS.hits.get("/flaky/owner-retry-pay", 0)
    if retried[1] != "success" or "file · result" not in retried[2] or flaky != 2:
        fail("errors", f"after Retry the run is {retried[1]!r} and the implementation was asked {flaky} times (expected success, twice)")
    else:
        log("  Retry ran the implementation again and the work went on")
    taken = done["owner_takes_over"]
    if taken[1] != "success" or '"P-9"' not in taken[2] or "email boss@example.com" not in taken[2] or "file · result" not in taken[2]:
        fail("errors", f"after Take over the run is {taken[1]!r}; expected the owner's payout P-9, answered by email boss@example.com, to reach file")
    else:
        log("  Take over: the owner's answer (by email boss@example.com) was the step's result and the work went on")
    if CALLBACKS.hits.get("/broken/owner-takes-over-pay", 0) != 1:
        fail("errors", "the implementation that the owner took over was asked more than once")


def main():
    args = sys.argv[1:]
    queue = "--queue" in args
    names = [a for a in args if a != "--queue"]
    if {"-h", "--help"} & set(names):
        print(__doc__)
        return
    if any(a.startswith("-") for a in names):
        sys.exit(__doc__)
    with open(os.path.join(ROOT, "tests", "n8n", "cases.json")) as f:
        cases = json.load(f)
    if names:
        cases = [c for c in cases if c["name"] in names]
    install_n8n()
    ensure_aiosmtpd()
    if queue:
        ensure_queue_services()
    subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)
    # A CI runner or a developer stopping the run with SIGTERM still stops every process the
    # run started (the `finally` blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = tempfile.mkdtemp(prefix="handoff-n8n-")
    home = os.path.join(work, "home")
    os.makedirs(home)
    global MAILBOX, CALLBACKS
    mailbox = Mailbox()
    MAILBOX = mailbox
    CALLBACKS = Callbacks()
    try:
        if queue:
            total = queue_mode(cases, not names, home, work, mailbox)
        else:
            total = single_process(cases, names, home, work, mailbox)
    finally:
        stop_lingering()
        mailbox.stop()
        CALLBACKS.stop()
        if not os.environ.get("HANDOFF_N8N_DEBUG"):
            shutil.rmtree(work, ignore_errors=True)
    failed = len({f.split(":")[0] for f in failures})
    print(f"{'n8n-queue' if queue else 'n8n'}: {total - failed} passed, {failed} failed")
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
