"""Shared pieces of the Python workloads of the benchmark harness (docs/benchmarks.md): start a
real cxloopd on 127.0.0.1 port 0 with a config written for the run, create a token with the
real cxloopctl, talk JSON over one keep-alive connection, and print a result line.

Only the standard library, so the harness needs no package beyond Debian's python3.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import time


def say(message):
    print("bench: " + message, file=sys.stderr, flush=True)


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def emit(result):
    """One JSON line per measurement, as run.sh prints them (it collects lines starting '{')."""
    print(json.dumps(result, separators=(",", ":")), flush=True)


class Server:
    """cxloopd with CONFIG (a dict) written to WORKDIR/cxloop.json; stopped by stop()."""

    def __init__(self, build_dir, workdir, config, start_timeout_s=60):
        self.build_dir = build_dir
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.config_path = os.path.join(workdir, "cxloop.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=1)
        self.log_path = os.path.join(workdir, "server.log")
        self.log = open(self.log_path, "w")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [os.path.join(build_dir, "bin", "cxloopd"), "--config", self.config_path],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.monotonic() + start_timeout_s
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                # Plugins with listeners of their own (chat) log "listening on" too.
                m = re.search(r"^(?!.*cxloop\.plugins).*listening on 127\.0\.0\.1:(\d+)", f.read(),
                              re.MULTILINE)
            if m:
                self.port = int(m.group(1))
                break
            if self.process.poll() is not None:
                break
            time.sleep(0.01)
        if self.port is None:
            self.stop()
            with open(self.log_path) as f:
                tail = f.read()[-2000:]
            raise RuntimeError("cxloopd did not report 'listening on 127.0.0.1:PORT'; its output:\n" + tail)

    def token(self, role):
        out = subprocess.run(
            [os.path.join(self.build_dir, "bin", "cxloopctl"), "token", "create", "--role", role,
             "--name", "bench-" + role, "--config", self.config_path],
            check=True, capture_output=True, text=True).stdout
        m = re.search(r'"token"\s*:\s*"([^"]+)"', out)
        return m.group(1) if m else out.split()[-1]

    def client(self, token):
        return Client(self.port, token)

    def rss_kb(self):
        return rss_kb(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Client:
    """JSON over one keep-alive HTTP/1.1 connection; raises on a status >= 400."""

    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method, path, body=None, content_type="application/json"):
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if isinstance(data, str):
                data = data.encode()
            headers["Content-Type"] = content_type
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the idle keep-alive connection (http.keep_alive_timeout_s)
            # before this request reached it: once more on a new connection.
            self.connection.close()
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
        text = response.read()
        if response.status >= 400:
            raise RuntimeError("%s %s answered %d: %s" % (method, path, response.status, text[:500]))
        return json.loads(text) if text else None

    def timed_get(self, path):
        """Seconds for one GET (request to last byte), checked for status 200."""
        started = time.perf_counter()
        self.connection.request("GET", path, headers={"Authorization": "Bearer " + self.token})
        response = self.connection.getresponse()
        text = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError("GET %s answered %d: %s" % (path, response.status, text[:300]))
        return elapsed, text


def table(text):
    """A line for the harness's closing table (run.sh collects lines starting 'TABLE ')."""
    print("TABLE " + text, flush=True)


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[index]
