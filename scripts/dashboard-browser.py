#!/usr/bin/env python3
"""The dashboard in a real browser: headless Chromium driven by chromedriver over the
WebDriver HTTP protocol (standard library only, no selenium).

    scripts/dashboard-browser.py                 # the debug binary (what `cargo test` builds)
    TSB_EMULATOR_BIN=/path/to/tsb-emulator scripts/dashboard-browser.py
    DASHBOARD_SCREENSHOT=/tmp/d.png scripts/dashboard-browser.py   # default docs/dashboard.png

Starts an emulator with a control token on a fresh port, loads /_emulator/ui, checks that the
page asks for the token, types it in, then creates keys, a fault and a few requests through
the API (as a test suite would) and waits until the page shows the keys with their
attributes, the journal rows and the fault; then a pending SKA request, approved with the
page's button, and the clock moved from the page. Saves a screenshot. Needs `chromium` and
`chromedriver` (Debian: `apt-get install chromium chromium-driver`; .ci/run installs them).
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "dashboard-ci-token"
# A use rule with one approver, as in the TSB documentation's SLIP-10 tutorial.
POLICY = {
    "ruleUse": {"tokens": [{"name": "Token1", "timelock": 0, "timeout": 600, "groups": [{
        "name": "Group1", "quorum": 1, "approvals": [{
            "type": "public_key", "name": "ApproverKey1",
            "value": "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEEkfktKPbQR0EHSzTOEma9SlWRxenH5qv1uTAUphH4lq2G0Wd"
                     "YSVYeLAFFFWZCrAiksxxke5iFnW2+rA/fc619RqOoKrXpK/BGxEdhvkw1rYpZODe1BNEo9oqyS0+lFa+",
        }],
    }]}]},
    "ruleBlock": None, "ruleUnblock": None, "ruleModify": None,
    "keyStatus": {"blocked": False},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            text = answer.read()
            return answer.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text.decode(errors="replace")


def wait_for(what, check, timeout=20.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except OSError as error:
            last = error
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what} (last: {last!r})")


class Browser:
    """The few WebDriver commands the test needs."""

    def __init__(self, driver_url, chromium):
        self.url = driver_url
        status, answer = http(
            "POST",
            f"{driver_url}/session",
            {
                "capabilities": {
                    "alwaysMatch": {
                        "browserName": "chrome",
                        "goog:chromeOptions": {
                            "binary": chromium,
                            "args": [
                                "--headless=new",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-dev-shm-usage",
                                "--window-size=1400,1100",
                            ],
                        },
                    }
                }
            },
            timeout=120,
        )
        if status != 200:
            raise SystemExit(f"chromedriver refused a session: {status} {answer}")
        self.session = f"{driver_url}/session/{answer['value']['sessionId']}"

    def command(self, method, path, body=None):
        status, answer = http(method, f"{self.session}{path}", body, timeout=60)
        if status != 200:
            raise SystemExit(f"WebDriver {method} {path}: {status} {answer}")
        return answer["value"]

    def script(self, source, *args):
        return self.command("POST", "/execute/sync", {"script": source, "args": list(args)})

    def find(self, css):
        found = self.command("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(found.values()))

    def close(self):
        http("DELETE", self.session)


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        print("chromium and chromedriver are needed (apt-get install chromium chromium-driver)")
        return 1
    binary = os.environ.get("TSB_EMULATOR_BIN")
    if binary:
        binary = str(Path(binary).resolve())
    else:
        subprocess.run(["cargo", "build", "--locked", "--bin", "tsb-emulator"], cwd=ROOT, check=True)
        binary = str(ROOT / "target" / "debug" / "tsb-emulator")
    screenshot = Path(os.environ.get("DASHBOARD_SCREENSHOT", ROOT / "docs" / "dashboard.png"))

    port, driver_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    token = {"X-Control-Token": TOKEN}
    scratch = Path(tempfile.mkdtemp(prefix="dashboard-"))
    processes = []
    browser = None
    try:
        with (scratch / "server.log").open("w") as log:
            processes.append(
                subprocess.Popen(
                    [binary, "--listen", f"127.0.0.1:{port}", "--in-memory", "--rsa-pool", "0",
                     "--control-token", TOKEN],
                    stdout=log, stderr=subprocess.STDOUT,
                )
            )
        with (scratch / "driver.log").open("w") as log:
            processes.append(
                subprocess.Popen([driver, f"--port={driver_port}"], stdout=log, stderr=subprocess.STDOUT)
            )
        wait_for("the emulator", lambda: http("GET", f"{base}/health")[0] == 200)
        driver_url = f"http://127.0.0.1:{driver_port}"
        wait_for("chromedriver", lambda: http("GET", f"{driver_url}/status")[1]["value"]["ready"])

        browser = Browser(driver_url, chromium)
        browser.command("POST", "/url", {"url": f"{base}/_emulator/ui"})
        title = browser.command("GET", "/title")
        assert title == "tsb-emulator dashboard", title

        # The page loads without the token and asks for it once a data call is refused.
        wait_for(
            "the token prompt",
            lambda: browser.script("return !document.getElementById('token-form').hidden"),
        )
        field = browser.find("#token")
        browser.command("POST", f"/element/{field}/value", {"text": TOKEN})
        browser.command("POST", f"/element/{browser.find('#token-form button')}/click", {})
        print("token typed in; the page polls with it")

        # A test suite's calls, through the API.
        for label, body in [
            ("dashboard-demo-p256", {"algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
                                     "attributes": {"sign": True, "decrypt": False, "unwrap": False,
                                                    "destroyable": True}}),
            # Only asymmetric keys carry a policy (reference 6.4).
            ("dashboard-demo-ska", {"algorithm": "EC", "curveOid": "1.3.132.0.34",
                                    "attributes": {"sign": True, "decrypt": False,
                                                   "unwrap": False, "extractable": False},
                                    "policy": POLICY}),
        ]:
            status, answer = http("POST", f"{base}/v1/key", {"label": label, **body})
            assert status == 201, (status, answer)
        sign = {"signRequest": {"signKeyName": "dashboard-demo-p256", "payload": "aGVsbG8=",
                                "signatureAlgorithm": "SHA256_WITH_ECDSA"}}
        status, answer = http("POST", f"{base}/_emulator/faults",
                              {"count": 2, "path": "/v1/synchronousSign",
                               "error": {"status": 500, "errorCode": 701}}, headers=token)
        assert status == 201, (status, answer)
        statuses = [http("POST", f"{base}/v1/synchronousSign", sign)[0] for _ in range(3)]
        assert statuses == [500, 500, 200], statuses
        http("GET", f"{base}/v1/key/missing-key/attributes")
        status, answer = http("POST", f"{base}/_emulator/faults",
                              {"count": 3, "path": "/v1/encrypt", "delayMs": 250}, headers=token)
        assert status == 201, (status, answer)

        wait_for(
            "the keys in the page",
            lambda: browser.script(
                "return ['dashboard-demo-p256', 'dashboard-demo-ska'].every("
                "l => document.querySelector(`#keys tr[data-label=\"${l}\"]`))"
            ),
        )
        row = browser.script(
            "return document.querySelector('#keys tr[data-label=\"dashboard-demo-p256\"]').innerText"
        )
        assert "EC" in row and "P-256" in row and "sign" in row, row
        row = browser.script(
            "return document.querySelector('#keys tr[data-label=\"dashboard-demo-ska\"]').innerText"
        )
        assert "ruleUse" in row and "384" in row, row
        # The browser's own requests (the page, its assets, no favicon) are not journaled.
        journal = wait_for(
            "the journal rows",
            lambda: (text := browser.script("return document.getElementById('journal').innerText"))
            and "/v1/synchronousSign" in text and "/v1/key/missing-key/attributes" in text and text,
        )
        assert "500" in journal and "error" in journal, journal
        assert "favicon" not in journal and "/_emulator/" not in journal, journal
        faults = wait_for(
            "the fault",
            lambda: (text := browser.script("return document.getElementById('faults').innerText"))
            and "/v1/encrypt" in text and text,
        )
        assert "delay 250 ms" in faults, faults
        print("keys, journal and faults shown")

        # SKA: an approver the emulator holds, a key whose policy names it, a pending signature
        # request shown with its task; the page's Approve button executes it.
        status, alice = http("POST", f"{base}/_emulator/approvers", {"name": "alice", "algorithm": "EC"},
                             headers=token)
        assert status == 201, (status, alice)
        policy = json.loads(json.dumps(POLICY))
        approval = policy["ruleUse"]["tokens"][0]["groups"][0]["approvals"][0]
        approval.update({"name": "alice", "value": alice["publicKey"]})
        status, answer = http("POST", f"{base}/v1/key", {
            "label": "dashboard-demo-approved", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
            "attributes": {"sign": True, "decrypt": False, "unwrap": False}, "policy": policy})
        assert status == 201, (status, answer)
        status, answer = http("POST", f"{base}/v1/sign", {"signRequest": {
            "payload": base64.b64encode(b"approve me").decode(), "payloadType": "UNSPECIFIED",
            "signKeyName": "dashboard-demo-approved", "signatureAlgorithm": "SHA256_WITH_ECDSA"}})
        assert status == 201, (status, answer)
        request_id = answer["signRequestId"]
        wait_for(
            "the pending request in the page",
            lambda: browser.script(
                f"return !!document.querySelector('#requests tr[data-request=\"{request_id}\"] button[data-approve]')"
            ),
        )
        approvers = browser.script("return document.getElementById('approvers').innerText")
        assert "alice" in approvers, approvers
        approve = browser.find(f"#requests tr[data-request='{request_id}'] button[data-approve]")
        browser.command("POST", f"/element/{approve}/click", {})
        wait_for(
            "the approved request",
            lambda: http("GET", f"{base}/v1/request/{request_id}")[1]["status"] == "EXECUTED",
        )
        wait_for(
            "the request gone from the page",
            lambda: browser.script(
                f"return !document.querySelector('#requests tr[data-request=\"{request_id}\"]')"
            ),
        )
        print("SKA request shown and approved from the page")

        # The clock: shown, and moved by its button (the API sees the move).
        status, clock = http("GET", f"{base}/_emulator/clock", headers=token)
        assert status == 200 and clock["offsetSeconds"] == 0, (status, clock)
        wait_for(
            "the clock",
            lambda: browser.script("return document.getElementById('clock-now').innerText").startswith("20"),
        )
        hour = browser.find("button[data-advance='3600']")
        browser.command("POST", f"/element/{hour}/click", {})
        wait_for(
            "the clock's move",
            lambda: http("GET", f"{base}/_emulator/clock", headers=token)[1]["offsetSeconds"] == 3600,
        )
        wait_for(
            "the moved clock in the page",
            lambda: "moved +3600 s" in browser.script("return document.getElementById('clock-offset').innerText"),
        )
        print("clock shown and moved one hour from the page")

        # A new key while the page is open shows up without a reload.
        status, _ = http("POST", f"{base}/v1/key", {"label": "dashboard-demo-late", "algorithm": "ED",
                                                    "attributes": {"sign": True, "decrypt": False, "unwrap": False}})
        assert status == 201
        wait_for(
            "the later key",
            lambda: browser.script(
                "return !!document.querySelector('#keys tr[data-label=\"dashboard-demo-late\"]')"
            ),
        )
        time.sleep(1.2)  # one more poll, so the screenshot shows the journal's last rows
        png = base64.b64decode(browser.command("GET", "/screenshot"))
        assert png.startswith(b"\x89PNG"), "a PNG"
        screenshot.write_bytes(png)
        print(f"screenshot: {screenshot} ({len(png)} bytes)")
        print("1 passed, 0 failed")
        return 0
    except (AssertionError, SystemExit) as failure:
        for name in ("server.log", "driver.log"):
            path = scratch / name
            if path.exists():
                print(f"--- {name}\n{path.read_text()[-3000:]}")
        print(f"dashboard browser test FAILED: {failure!r}")
        print("0 passed, 1 failed")
        return 1
    finally:
        if browser:
            browser.close()
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
