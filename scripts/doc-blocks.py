#!/usr/bin/env python3
"""Runs every shell block marked runnable (a fence opened with ```sh runnable) in README.md
and docs/*.md against a live emulator on a fresh port, and fails if one fails.

    scripts/doc-blocks.py                      # the debug binary (what `cargo test` builds)
    TSB_EMULATOR_BIN=/path/to/tsb-emulator scripts/doc-blocks.py
    scripts/doc-blocks.py docs/control-api.md  # only these files

The blocks are written for a reader who ran the README's set-up command, so the runner
makes their world match it without changing what they do:

- `127.0.0.1:8080` and `localhost:8080` (the README's server) become the fresh port; `:8081`
  (a second server a block starts itself) becomes a second fresh port;
- `cargo run --release -- ARGS` runs the already built binary with ARGS (a `cargo` script
  first on PATH execs it, so `$!` of a block's `cargo run ... &` is the server's own pid);
- curl reads a `.curlrc` with `--fail-with-body`, so an HTTP error fails the block, as a
  reader would notice it; a block that shows an error on purpose is opened with
  ```sh runnable http-errors and checks the statuses itself;
- each file's blocks run in order (a later block may use an earlier one's key) in one fresh
  folder that links the repository's top-level entries (so `fixtures/example` resolves), in
  `bash -euo pipefail`; the store is reset before each file.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```sh runnable([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
BLOCK_TIMEOUT = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def blocks(path: Path):
    text = path.read_text()
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        yield line, match.group(1).split(), match.group(2)


def wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"the emulator did not start:\n{log.read_text()}")


def post_json(url: str, body: bytes = b"{}") -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


def main() -> int:
    binary = os.environ.get("TSB_EMULATOR_BIN")
    if binary:
        binary = str(Path(binary).resolve())
    else:
        subprocess.run(
            ["cargo", "build", "--locked", "--bin", "tsb-emulator"], cwd=ROOT, check=True
        )
        binary = str(ROOT / "target" / "debug" / "tsb-emulator")
    files = [Path(a).resolve() for a in sys.argv[1:]] or [ROOT / "README.md"] + sorted(
        (ROOT / "docs").glob("*.md")
    )

    port, second_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    scratch = Path(tempfile.mkdtemp(prefix="doc-blocks-"))
    tools = scratch / "bin"
    tools.mkdir()
    real_cargo = shutil.which("cargo") or "cargo"
    (tools / "cargo").write_text(
        "#!/usr/bin/env bash\n"
        '# `cargo run --release -- ARGS` as the built binary; anything else is cargo.\n'
        'if [ "${1:-}" = run ] && [ "${2:-}" = --release ]; then\n'
        "  shift 2\n"
        '  [ "${1:-}" = -- ] && shift\n'
        f'  exec "{binary}" "$@"\n'
        "fi\n"
        f'exec "{real_cargo}" "$@"\n'
    )
    (tools / "cargo").chmod(0o755)
    (scratch / ".curlrc").write_text("fail-with-body\nshow-error\n")
    (scratch / "plain-curl").mkdir()
    env = dict(os.environ)
    env.update(
        PATH=f"{tools}:{env['PATH']}",
        CURL_HOME=str(scratch),
        TSB_URL=base,
    )

    log = scratch / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{port}", "--in-memory", "--rsa-pool", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    failed, ran = [], 0
    try:
        wait_healthy(base, server, log)
        print(f"emulator at {base}")
        for path in files:
            found = list(blocks(path))
            if not found:
                continue
            name = path.relative_to(ROOT)
            post_json(base + "/_emulator/reset")
            work = scratch / str(name).replace("/", "_")
            work.mkdir()
            for entry in ROOT.iterdir():
                if entry.name not in {"target", ".git", "tsb-data"}:
                    (work / entry.name).symlink_to(entry)
            for line, options, code in found:
                code = re.sub(r"(127\.0\.0\.1|localhost):8080\b", rf"\1:{port}", code)
                code = re.sub(r"(127\.0\.0\.1|localhost):8081\b", rf"\1:{second_port}", code)
                print(f"== {name}:{line}", flush=True)
                ran += 1
                try:
                    block_env = dict(env)
                    if "http-errors" in options:
                        block_env["CURL_HOME"] = str(scratch / "plain-curl")
                    result = subprocess.run(
                        ["bash", "-euo", "pipefail", "-c", code],
                        cwd=work,
                        env=block_env,
                        timeout=BLOCK_TIMEOUT,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        text=True,
                    )
                    output, status = result.stdout, result.returncode
                except subprocess.TimeoutExpired as timeout:
                    output, status = (timeout.stdout or b"").decode(errors="replace"), "timeout"
                shown = output if len(output) < 4000 else output[:2000] + "\n...\n" + output[-1500:]
                print(shown.rstrip("\n"))
                if status != 0:
                    print(f"-- FAILED ({status}): {name}:{line}")
                    failed.append(f"{name}:{line}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"{ran - len(failed)} passed, {len(failed)} failed")
    if failed:
        print("failed blocks: " + ", ".join(failed))
        return 1
    if ran == 0:
        print("no runnable block found")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
