"""Two replicas of the app behind HAProxy on loopback (deploy/replicas.py, as `make
serve-replicas N=2` starts them), driven by browser-less users (bench/load_client.py): sessions
spread over both, every request of a session reaches its own replica, and stopping one replica
leaves the other's users untouched while the stopped one's users are told the server restarted
and can press Play again.

Needs Debian's `haproxy` on PATH: without it the tests skip, or fail when CI=true (`make test`
installs it then)."""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from conftest import ROOT, run_async

sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "deploy"))

from load_client import User  # noqa: E402
from replicas import COOKIE, Replicas, haproxy_config  # noqa: E402

pytestmark = pytest.mark.replicas
USERS = 4  # two a replica: the proxy hands new sessions out in turn


def need_haproxy() -> None:
    if shutil.which("haproxy") is None:
        reason = "haproxy is not on PATH (install Debian's `haproxy` package)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; the replica tests are mandatory when CI=true",
                        pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    need_haproxy()
    with Replicas(ROOT, 2, tmp_path_factory.mktemp("replicas")) as rep:
        yield rep


def test_the_proxy_configurations_are_valid(tmp_path):
    """deploy/haproxy.cfg as Docker Compose uses it, and as written for local replicas."""
    need_haproxy()
    local = tmp_path / "local.cfg"
    local.write_text(haproxy_config("127.0.0.1:8501", [("r1", "127.0.0.1:8502"),
                                                       ("r2", "127.0.0.1:8503")]))
    assert "server r2 127.0.0.1:8503 check cookie r2" in local.read_text()
    assert "resolvers" not in local.read_text()
    for cfg in (ROOT / "deploy" / "haproxy.cfg", local):
        check = subprocess.run(["haproxy", "-c", "-f", str(cfg)], capture_output=True,
                               text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


async def open_playing(url: str, n: int) -> list[User]:
    users = [User(url) for _ in range(n)]
    for u in users:  # one after another: the proxy's turns are then predictable
        await u.open(timeout=120)
        await u.click("Play", timeout=120)
    return users


async def frames(users: list[User], seconds: float) -> list[int]:
    """Frames each user fetched in `seconds`."""
    before = [len(u.samples) for u in users]
    end = time.perf_counter() + seconds
    await asyncio.gather(*(u.play_frames(end) for u in users))
    return [len(u.samples) - b for u, b in zip(users, before, strict=True)]


def test_sessions_spread_stick_and_survive_the_loss_of_the_other_replica(replicas):
    run_async(_scenario(replicas))


async def _scenario(rep: Replicas) -> None:
    users = await open_playing(rep.url, USERS)
    try:
        where = [u.cookies.get(COOKIE) for u in users]
        assert sorted(where) == ["r1", "r1", "r2", "r2"], where  # spread over both

        # Every session's frames come from its own replica: its token is known there only.
        for u, name in zip(users, where, strict=True):
            other = next(n for n in rep.names if n != name)
            assert get(f"{rep.replica_url(name)}/{u.live_url}")[0] == 200
            assert get(f"{rep.replica_url(other)}/{u.live_url}")[0] == 404
        for name in rep.names:
            load = json.loads(get(f"{rep.replica_url(name)}/nnp/load")[1])
            assert load["replica"] == name and load["playing"] == 2, load
            assert load["training_threads"] == 1, load
        got = await frames(users, 3.0)
        assert all(n >= 3 for n in got), got  # everyone trains and redraws through the proxy
        assert all(not u.errors for u in users), [u.errors for u in users]
        epochs = [u.samples[-1].epoch for u in users]
        assert all(e > 0 for e in epochs), epochs

        # Stop r1: its users are told, r2's users notice nothing.
        rep.stop_replica("r1")
        lost = [u for u, n in zip(users, where, strict=True) if n == "r1"]
        kept = [u for u, n in zip(users, where, strict=True) if n == "r2"]
        before = [u.samples[-1].epoch for u in kept]
        got = await frames(users, 4.0)
        for u in lost:
            assert u.gone is not None, "a stopped replica's user must be told, not left frozen"
            assert "server restarted" in u.gone and "Press Play again" in u.gone, u.gone
        kept_frames = [n for u, n in zip(users, got, strict=True) if u in kept]
        assert all(n >= 4 for n in kept_frames), got
        assert all(u.gone is None and not u.errors for u in kept), [u.errors for u in kept]
        assert all(u.samples[-1].epoch > b for u, b in zip(kept, before, strict=True))

        # The stopped replica's user reloads (same cookies): r2 serves a fresh session, and
        # Play trains again there.
        back = User(rep.url, cookies=dict(lost[0].cookies))
        await back.open(timeout=120)
        await back.click("Play", timeout=120)
        try:
            assert back.cookies.get(COOKIE) == "r2"
            assert (await frames([back], 3.0))[0] >= 3 and back.samples[-1].epoch > 0
            assert back.gone is None and not back.errors
        finally:
            await back.close()
    finally:
        for u in users:
            await u.close()
