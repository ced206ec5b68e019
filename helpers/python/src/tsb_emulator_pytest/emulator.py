"""One running emulator: a child process (or a container) and the URL it answers on."""
import os
import re
import shlex
import shutil
import subprocess
import threading
import time
import urllib.request

_LISTENING = re.compile(r"listening on (https?://[0-9A-Za-z.:\[\]-]+)")


class EmulatorError(RuntimeError):
    """The emulator could not be found, did not start, or did not become healthy."""


def _healthy(url, timeout):
    try:
        with urllib.request.urlopen(url + "/health", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


class Emulator:
    """A running tsb-emulator. Use `Emulator.start()` and `stop()`, or `with Emulator.start():`."""

    def __init__(self, url, process=None, container=None):
        self.url = url
        self._process = process
        self._container = container
        self.log = []

    @classmethod
    def start(cls, binary=None, args=None, image=None, timeout=30.0):
        """Start an in-memory emulator on a free port and wait for `/health`.

        The binary is `binary`, else `$TSB_EMULATOR_BIN`, else `tsb-emulator` on `PATH`.
        With `image` (or `$TSB_EMULATOR_IMAGE`), runs that container image with docker instead.
        `args` are extra command-line flags (e.g. `["--deterministic", "42"]`); by default
        `$TSB_EMULATOR_ARGS` (split like a shell would), else `--rsa-pool 0`: no background
        RSA generation eating a test machine's CPU or delaying the stop.
        """
        if args is None:
            args = shlex.split(os.environ.get("TSB_EMULATOR_ARGS", "--rsa-pool 0"))
        image = image or os.environ.get("TSB_EMULATOR_IMAGE")
        if image:
            return cls._start_container(image, list(args), timeout)
        binary = binary or os.environ.get("TSB_EMULATOR_BIN") or shutil.which("tsb-emulator")
        if not binary:
            raise EmulatorError("no emulator: set TSB_EMULATOR_BIN or put tsb-emulator on PATH")
        process = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--in-memory", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        emulator = cls(None, process=process)
        found = threading.Event()

        def read():
            for line in process.stdout:
                emulator.log.append(line.rstrip("\n"))
                match = _LISTENING.search(line)
                if match and not found.is_set():
                    emulator.url = match.group(1)
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        if not found.wait(timeout) or emulator.url is None:
            emulator.stop()
            raise EmulatorError("the emulator did not start:\n" + "\n".join(emulator.log))
        emulator._wait_healthy(deadline)
        return emulator

    @classmethod
    def _start_container(cls, image, args, timeout):
        docker = shutil.which("docker") or shutil.which("podman")
        if not docker:
            raise EmulatorError("TSB_EMULATOR_IMAGE is set but neither docker nor podman is on PATH")
        container = subprocess.run(
            [docker, "run", "-d", "--rm", "-p", "127.0.0.1::8080", image, *args],
            check=True, capture_output=True, text=True).stdout.strip()
        port = subprocess.run([docker, "port", container, "8080/tcp"], check=True,
                              capture_output=True, text=True).stdout.split("\n")[0]
        emulator = cls("http://127.0.0.1:" + port.rsplit(":", 1)[1], container=(docker, container))
        emulator._wait_healthy(time.monotonic() + timeout)
        return emulator

    def _wait_healthy(self, deadline):
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                break
            if _healthy(self.url, 1.0):
                return
            time.sleep(0.05)
        self.stop()
        raise EmulatorError(f"{self.url}/health did not answer 200:\n" + "\n".join(self.log))

    def stop(self):
        """Stop the emulator (SIGTERM, then SIGKILL after 10 s); its in-memory keys are gone."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._container is not None:
            docker, container = self._container
            subprocess.run([docker, "stop", container], capture_output=True)
            self._container = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
