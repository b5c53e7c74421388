"""Headless-Chromium fixtures: one Streamlit server and one Chromium for the whole session.

Browser tests request ``page`` (a fresh tab) and ``page_url`` (``page_url("train")`` gives the
address of a page of the running app). Chromium is Debian's ``chromium`` on PATH; without it the
tests skip, or fail when ``CI=true``.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SERVER_START_TIMEOUT = 60  # seconds
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and the server log (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = "chromium is not on PATH (install Debian's `chromium` package)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; browser tests are mandatory when CI=true", pytrace=False)
        pytest.skip(reason)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def streamlit_server(script: str, log_path: Path) -> Iterator[str]:
    """``streamlit run <script>`` on a free local port; yields its base URL, then stops it by
    its PID."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _is_healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                log_tail = log_path.read_text()[-2000:]
                pytest.fail(
                    f"Streamlit server did not come up at {url}:\n{log_tail}", pytrace=False
                )
            time.sleep(0.25)
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def app_url(chromium_path: str, artifacts: Path) -> Iterator[str]:
    """Start the app as the README does (``streamlit run serve.py``); yield its base URL.

    Depends on ``chromium_path`` so that no server starts when the browser tests skip.
    """
    with streamlit_server("serve.py", artifacts / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def fresh_server(chromium_path: str):
    """``with fresh_server("app.py", log_path) as url:`` a server of the test's own."""
    return streamlit_server


@pytest.fixture(scope="session")
def page_url(app_url: str) -> Callable[[str], str]:
    """``page_url("")`` is the landing page; ``page_url("train")`` a page of the app."""
    return lambda path="": f"{app_url}/{path.lstrip('/')}"


@pytest.fixture(scope="session")
def browser_context(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="chromium-profile-") as user_data_dir,
        sync_playwright() as pw,
    ):
        context = pw.chromium.launch_persistent_context(
            user_data_dir,
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser_context, app_url: str):
    """A fresh tab (and so a fresh Streamlit session); closed after the test."""
    tab = browser_context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    tab.close()
