"""Browser-less users of the app, for the load bench and the replica tests: each opens a page
over Streamlit's websocket (protobuf BackMsg / ForwardMsg, as the page's script does), presses
Play, and then fetches frames from the frame route as the live charts' script does (ask, and ask
again when the frame has arrived and the interval the server sent has passed). Only the
server's costs count: nothing is drawn, and a frame's JSON is read only as far as its head.

Everything runs on one asyncio loop: `User` is one tab, `http_get` a minimal HTTP/1.1 client
on a keep-alive connection (the standard library has no asynchronous one).
"""

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from runtime import SERVER_ENV  # noqa: E402 - the server's environment

HEAD_RE = re.compile(rb'"seq":(\d+),"steps":(\d+),"playing":(true|false),'
                     rb'"status":"((?:[^"\\]|\\.)*)","interval":([\d.]+)')
EPOCH_RE = re.compile(r"Epoch ([\d,]+)")
RATE_RE = re.compile(r"([\d,.]+) epochs/s")
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


class Connection:
    """One keep-alive HTTP/1.1 connection to host:port (reopened when the server closes it)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def get(self, path: str, cookies: dict[str, str]) -> tuple[int, dict, bytes]:
        """GET `path`: (status, headers (lower-case names), body)."""
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
            req = (f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                   f"Accept: application/json\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "")
                   + "\r\n")
            try:
                self.writer.write(req.encode())
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
                continue
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    k = k.strip().lower()
                    headers[k] = (headers[k] + "\n" + v.strip()) if k in headers else v.strip()
            if "content-length" in headers:
                body = await self.reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding") == "chunked":
                body = b""
                while True:
                    size = int((await self.reader.readline()).strip(), 16)
                    chunk = await self.reader.readexactly(size + 2)
                    if not size:
                        break
                    body += chunk[:-2]
            else:
                body = await self.reader.read()
                self.close()
            if headers.get("connection", "").lower() == "close":
                self.close()
            return status, headers, body
        raise ConnectionError("no answer")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def set_cookies(jar: dict[str, str], headers: dict) -> None:
    for line in headers.get("set-cookie", "").split("\n"):
        if "=" in line:
            k, v = line.split(";", 1)[0].split("=", 1)
            jar[k.strip()] = v.strip()


@dataclass
class Sample:
    t: float  # when the frame arrived (perf_counter)
    latency: float  # request to full answer (s)
    epoch: int
    size: int
    interval: float


@dataclass
class User:
    """One browser tab on `page` of the server at `base` ("http://127.0.0.1:8501")."""

    base: str
    page: str = "Playground"
    query: str = ""
    cookies: dict = field(default_factory=dict)
    buttons: dict = field(default_factory=dict)  # label -> widget id
    live_url: str | None = None
    texts: list = field(default_factory=list)  # alerts and status lines seen, newest last
    samples: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    gone: str | None = None  # the route's message when the session has ended
    ws: object = None

    def __post_init__(self):
        u = urllib.parse.urlsplit(self.base)
        self.host, self.port = u.hostname, u.port
        self.http = Connection(self.host, self.port)
        self.replica = None  # the replica cookie's value, behind HAProxy

    async def open(self, timeout: float = 60.0) -> None:
        """Load the page as a browser does: its HTML (which sets the replica cookie behind a
        load balancer), then the websocket and the first script run."""
        status, headers, _ = await self.http.get(f"/{self.page}", self.cookies)
        set_cookies(self.cookies, headers)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.ws = await websockets.connect(
            f"ws://{self.host}:{self.port}/_stcore/stream", subprotocols=["streamlit"],
            origin=self.base, max_size=None, compression=None,
            additional_headers={"Cookie": cookie} if cookie else None, open_timeout=timeout)
        self._reader = asyncio.ensure_future(self._read())
        await self.rerun(timeout=timeout)

    async def rerun(self, widget: str | None = None, timeout: float = 60.0) -> None:
        """A script run (a click of the button with widget id `widget`, if given); returns
        when the run has finished."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = self.page
        if widget is not None:
            ws = cs.widget_states.widgets.add()
            ws.id = widget
            ws.trigger_value = True
        self._finished = asyncio.get_running_loop().create_future()
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._finished, timeout)

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self._on(ForwardMsg.FromString(data))
        except websockets.ConnectionClosed:
            pass
        except Exception as e:  # noqa: BLE001 - kept for the report
            self.errors.append(f"websocket: {type(e).__name__}: {e}")

    def _on(self, m: ForwardMsg) -> None:
        kind = m.WhichOneof("type")
        if kind == "delta" and m.delta.WhichOneof("type") == "new_element":
            el = m.delta.new_element
            what = el.WhichOneof("type")
            if what == "button":
                self.buttons[el.button.label] = el.button.id
            elif what == "alert":
                self.texts.append(el.alert.body)
            elif what == "exception":
                self.texts.append(f"exception: {el.exception.type}: {el.exception.message}")
            elif what == "bidi_component" and el.bidi_component.json:
                data = json.loads(el.bidi_component.json)
                data = data.get("data", data) if isinstance(data, dict) else {}
                live = data.get("live") if isinstance(data, dict) else None
                if live:
                    self.live_url = live["url"]
                if isinstance(data, dict) and "text" in data and "seq" in data:
                    self.texts.append(data["text"])
        elif kind == "script_finished" and m.script_finished in FINISHED:
            if getattr(self, "_finished", None) is not None and not self._finished.done():
                self._finished.set_result(True)

    async def click(self, label: str, timeout: float = 60.0) -> None:
        await self.rerun(self.buttons[label], timeout)

    async def fetch(self) -> tuple[int, bytes]:
        status, headers, body = await self.http.get(f"/{self.live_url}", self.cookies)
        return status, body

    async def play_frames(self, until: float) -> None:
        """Fetch frames as the live charts do until perf_counter() reaches `until`."""
        interval = 0.1
        while time.perf_counter() < until and self.gone is None:
            start = time.perf_counter()
            try:
                status, body = await self.fetch()
            except (ConnectionError, OSError, asyncio.IncompleteReadError) as e:
                self.errors.append(f"frame: {type(e).__name__}: {e}")
                await asyncio.sleep(1.0)
                continue
            now = time.perf_counter()
            if status == 404:
                try:
                    self.gone = json.loads(body).get("message", "")
                except ValueError:
                    self.gone = ""
                break
            head = HEAD_RE.search(body[:600]) if status == 200 else None
            if head is None:
                self.errors.append(f"frame: HTTP {status}")
                await asyncio.sleep(1.0)
                continue
            interval = float(head.group(5))
            status_text = json.loads(b'"' + head.group(4) + b'"')
            m = EPOCH_RE.search(status_text)
            self.samples.append(Sample(now, now - start, int(m.group(1).replace(",", ""))
                                       if m else 0, len(body), interval))
            if head.group(3) == b"false":
                break
            await asyncio.sleep(max(0.0, start + interval - time.perf_counter()))

    async def close(self) -> None:
        self.http.close()
        if self.ws is not None:
            await self.ws.close()
        if getattr(self, "_reader", None) is not None:
            self._reader.cancel()


def rates(u: User, t0: float, t1: float) -> dict:
    """A user's redraws/s, epochs/s and latencies over [t0, t1]."""
    s = [x for x in u.samples if t0 <= x.t <= t1]
    if len(s) < 2:
        return {"redraws": 0.0, "epochs": 0.0, "latency": [], "size": 0}
    span = t1 - t0
    return {"redraws": len(s) / span, "epochs": (s[-1].epoch - s[0].epoch) / (s[-1].t - s[0].t),
            "latency": [x.latency for x in s], "size": s[-1].size}


# --- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run serve.py` from `root` on 127.0.0.1 (a free port unless given), file
    watcher off, in the server's environment (runtime.SERVER_ENV, as `make run` starts it);
    `env` adds variables (NNP_REPLICA names a replica). Stopped by its PID."""

    def __init__(self, root: Path, log_path: Path, port: int | None = None,
                 env: dict | None = None):
        self.root, self.log_path = Path(root), Path(log_path)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> "Server":
        cmd = [sys.executable, "-m", "streamlit", "run", "serve.py",
               "--server.address", "127.0.0.1", "--server.port", str(self.port),
               "--server.headless", "true", "--server.fileWatcherType", "none"]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.root, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         env=os.environ | SERVER_ENV | self.env)
        wait_healthy(self.url, timeout, self.proc, self.log_path)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_healthy(url: str, timeout: float, proc=None, log_path: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            log = log_path.read_text()[-2000:] if log_path else ""
            raise RuntimeError(f"{url} did not start:\n{log}")
        time.sleep(0.25)


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def threads(pid: int) -> list[str]:
    """The names of process `pid`'s threads."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                out.append(f.read().strip())
        except OSError:
            pass
    return out
