"""Serve the app as N replicas behind HAProxy on one machine: `make serve-replicas N=2`.

One Streamlit process is bound to about one core by the GIL; N processes use N. Each replica is
`streamlit run serve.py` on 127.0.0.1 (ports PORT+1 .. PORT+N) with NNP_REPLICA=r1 .. rN, and
HAProxy (Debian's `haproxy`) listens on PORT. HAProxy's cookie (NNP_REPLICA, set on a browser's
first request) keeps everything of one session on the replica that holds its state: the page,
its websocket, the frames the charts fetch and uploads. When a replica stops, its users are sent
to another (`option redispatch`), where the page says the server restarted and Play starts
training again; the other replicas' users notice nothing.

The configuration is written from deploy/haproxy.cfg (the same file Docker Compose uses, with
its servers replaced by the local ones). Everything started is stopped by its PID on exit.

Usage: python deploy/replicas.py [--replicas 2] [--port 8501] [--address 127.0.0.1]
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "haproxy.cfg"
COOKIE = "NNP_REPLICA"  # HAProxy's stickiness cookie; its value is the replica's name

sys.path.insert(0, str(ROOT))
from runtime import SERVER_ENV  # noqa: E402 - the server's environment


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def haproxy_config(bind: str, servers: list[tuple[str, str]]) -> str:
    """deploy/haproxy.cfg for local replicas: listening on `bind` ("127.0.0.1:8501"), with
    `servers` [(name, "host:port")] instead of the Compose service's server-template."""
    text = TEMPLATE.read_text(encoding="utf-8")
    text = re.sub(r"^\s*bind .*$", f"    bind {bind}", text, count=1, flags=re.M)
    text = re.sub(r"^resolvers docker\n(?:[ \t]+\S.*\n)*", "", text, flags=re.M)
    lines = "".join(f"    server {name} {addr} check cookie {name}\n" for name, addr in servers)
    return re.sub(r"^\s*server-template .*\n", lines, text, count=1, flags=re.M)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class Replicas:
    """N replicas and HAProxy in front of them, as a context manager (or start() / stop())."""

    def __init__(self, root: Path = ROOT, n: int = 2, logs: Path | None = None,
                 port: int | None = None, address: str = "127.0.0.1"):
        if shutil.which("haproxy") is None:
            raise RuntimeError("haproxy is not on PATH: install Debian's package "
                               "(apt-get install haproxy)")
        self.root, self.n = Path(root), n
        self.logs = Path(logs or tempfile.mkdtemp(prefix="nnp-replicas-"))
        self.port = port or free_port()
        self.address = address
        self.url = f"http://{address}:{self.port}"
        self.names = [f"r{i + 1}" for i in range(n)]
        self.ports = {name: free_port() for name in self.names}
        self.procs: dict[str, subprocess.Popen] = {}
        self.proxy: subprocess.Popen | None = None

    def replica_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def pids(self) -> list[int]:
        """The replicas' process ids (running ones)."""
        return [p.pid for p in self.procs.values() if p.poll() is None]

    def start_replica(self, name: str) -> None:
        cmd = [sys.executable, "-m", "streamlit", "run", "serve.py",
               "--server.address", "127.0.0.1", "--server.port", str(self.ports[name]),
               "--server.headless", "true", "--server.fileWatcherType", "none"]
        with open(self.logs / f"{name}.log", "w") as log:
            self.procs[name] = subprocess.Popen(
                cmd, cwd=self.root, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT,
                env=os.environ | SERVER_ENV | {"NNP_REPLICA": name})

    def start(self, timeout: float = 120.0) -> "Replicas":
        try:
            for name in self.names:
                self.start_replica(name)
            cfg = self.logs / "haproxy.cfg"
            cfg.write_text(haproxy_config(f"{self.address}:{self.port}",
                                          [(n, f"127.0.0.1:{p}") for n, p in self.ports.items()]))
            check = subprocess.run(["haproxy", "-c", "-q", "-f", str(cfg)], capture_output=True,
                                   text=True)
            if check.returncode:
                raise RuntimeError(f"haproxy rejects {cfg}:\n{check.stdout}{check.stderr}")
            with open(self.logs / "haproxy.log", "w") as log:
                self.proxy = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)],
                                              stdin=subprocess.DEVNULL, stdout=log,
                                              stderr=subprocess.STDOUT)
            deadline = time.monotonic() + timeout
            for name in self.names:
                while not healthy(self.replica_url(name)):
                    if self.procs[name].poll() is not None or time.monotonic() > deadline:
                        log = (self.logs / f"{name}.log").read_text()[-2000:]
                        raise RuntimeError(f"replica {name} did not start:\n{log}")
                    time.sleep(0.25)
            while not healthy(self.url):
                if self.proxy.poll() is not None or time.monotonic() > deadline:
                    log = (self.logs / "haproxy.log").read_text()[-2000:]
                    raise RuntimeError(f"haproxy did not start:\n{log}")
                time.sleep(0.25)
            self.wait_up(deadline - time.monotonic())
        except BaseException:
            self.stop()
            raise
        return self

    def wait_up(self, timeout: float = 30.0) -> None:
        """Wait until HAProxy's health checks see every running replica up (each one answers
        one of len(names) fresh requests; sessions then spread over all of them)."""
        deadline = time.monotonic() + timeout
        want = {n for n, p in self.procs.items() if p.poll() is None}
        while time.monotonic() < deadline:
            seen = set()
            for _ in range(4 * len(want)):
                try:
                    with urllib.request.urlopen(f"{self.url}/nnp/load", timeout=3) as r:
                        seen.add(json.loads(r.read())["replica"])
                except OSError:
                    pass
            if seen >= want:
                return
            time.sleep(0.5)
        raise RuntimeError(f"HAProxy does not reach every replica ({sorted(want)})")

    def stop_replica(self, name: str) -> None:
        """Stop one replica (its process, by PID), as a crash or a redeploy would."""
        p = self.procs[name]
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop(self) -> None:
        for name in list(self.procs):
            self.stop_replica(name)
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.terminate()
            try:
                self.proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
                self.proxy.wait()

    def __enter__(self) -> "Replicas":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--port", type=int, default=8501)
    ap.add_argument("--address", default="127.0.0.1")
    args = ap.parse_args()
    rep = Replicas(ROOT, args.replicas, port=args.port, address=args.address)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    with rep:
        print(f"{args.replicas} replicas behind HAProxy at {rep.url} (logs in {rep.logs}); "
              "Ctrl-C stops them", flush=True)
        try:
            while not stop and all(p.poll() is None for p in rep.procs.values()):
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
