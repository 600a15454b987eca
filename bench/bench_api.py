"""API throughput: authenticated ``GET /api/v1/buyers/{id}`` against the trivial ``GET /healthz``.

    python bench/bench_api.py                      # 2,000-buyer demo ledger, wrk, 3 rounds
    python bench/bench_api.py --profile            # + a py-spy profile of the buyer endpoint
    python bench/bench_api.py --buyers 500 --years 1 --rounds 1 --seconds 3   # quick look
    python bench/bench_api.py --db postgresql+psycopg://postgres@127.0.0.1/tg_bench_api

Both endpoints are served by one ``tradeguard serve`` process (uvicorn, one worker, as
shipped) in the same run over loopback, so the ratio of their requests per second says
what authentication (token lookup), the organisation, the buyer and its exposure (open
invoices, allocations, FX) cost per request, whatever the machine. Target: the buyer
endpoint keeps at least 50% of the trivial endpoint's throughput.

Steps:
1. The demo company (``tradeguard demo``: buyers in 20+ countries, invoices in a dozen
   currencies, payments, FX rates) is loaded into a SQLite database under ``--work``
   once and reused (or into the PostgreSQL database ``--db``, once); a viewer and a
   fresh API token are added on every run. On a SQLite file the buyer endpoint reads
   on the event loop (``Access.read``); on PostgreSQL in a worker thread.
2. The server starts on a free loopback port; one request of each kind is checked (200,
   and 401 without the token) so that no error page is ever timed.
3. ``wrk`` (Debian package ``wrk``; else an httpx2 async client, which shares the CPUs
   and so measures less precisely) drives each endpoint for ``--seconds``, after a
   warm-up, alternating for ``--rounds`` rounds; the buyer ids are drawn at random from
   all existing buyers. Any non-2xx response or socket error fails the run. The ratio
   of the medians is reported, with every round, and written as JSON to ``--out``.
4. With ``--profile``: ``py-spy`` samples the server while wrk drives the buyer endpoint
   and the script prints which TradeGuard functions (and which libraries) take the time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.5
BENCH_USER = "bench@api.tradeguard.example"
DEMO_AS_OF = "2025-06-30"  # fixed, so that a cached ledger is the same ledger
SERVER_START_TIMEOUT_S = 60.0
_DIRECT = httpx2.Client(trust_env=False)  # loopback only: never through a proxy


@dataclass(frozen=True)
class Round:
    endpoint: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms: float | None = None  # the server process's CPU time per request (Linux)


# ----------------------------------------------------------------------------- data


def _load_demo(url: str, buyers: int, years: float, seed: int) -> None:
    print(f"loading the demo company ({buyers:,} buyers, {years:g} years) into {url} ...")
    started = time.perf_counter()
    command = [sys.executable, "-m", "tradeguard", "--db", url, "demo"]
    command += ["--buyers", str(buyers), "--years", str(years), "--seed", str(seed)]
    command += ["--as-of", DEMO_AS_OF]
    loaded = subprocess.run(command, capture_output=True, text=True, check=False)
    if loaded.returncode != 0:  # its output (with the demo admin's password) is not shown
        raise SystemExit(f"tradeguard demo failed:\n{loaded.stderr[-4000:]}")
    print(f"  done in {time.perf_counter() - started:.0f} s")


def prepare(
    work: Path, buyers: int, years: float, seed: int, db_url: str | None
) -> tuple[str, list[str], str]:
    """The demo database (loaded once), its buyer ids and a fresh API token.

    Without ``db_url``: a SQLite file under ``work``, named by the demo's parameters.
    With it (PostgreSQL): that database, loaded when it has no organisation yet.
    """
    from sqlalchemy import inspect, select

    from tradeguard.domain.identity.access import Role
    from tradeguard.identity import service as users
    from tradeguard.identity.models import Organisation, User
    from tradeguard.kit.db import get_engine, unit_of_work
    from tradeguard.ledger.models import Buyer

    work.mkdir(parents=True, exist_ok=True)
    if db_url is None:
        db = work / f"api-{buyers}-{years:g}-{seed}.db"
        url = f"sqlite:///{db}"
        if not db.exists():
            partial = db.with_suffix(".partial.db")
            partial.unlink(missing_ok=True)
            _load_demo(f"sqlite:///{partial}", buyers, years, seed)
            partial.rename(db)
    else:
        url = db_url
        probe = get_engine(url)
        empty = not inspect(probe).has_table("organisations")
        if not empty:
            with unit_of_work(probe) as session:
                empty = session.scalar(select(Organisation.id).limit(1)) is None
        probe.dispose()
        if empty:
            _load_demo(url, buyers, years, seed)
    engine = get_engine(url)
    with unit_of_work(engine) as session:
        org = session.scalars(select(Organisation)).one()
        ids = list(session.scalars(select(Buyer.buyer_id).where(Buyer.org_id == org.id)))
        user = session.scalar(select(User).where(User.email == BENCH_USER))
        if user is None:
            user = users.add_user(
                session, org, BENCH_USER, Role.VIEWER, os.urandom(16).hex(), "bench"
            )
        token = users.create_token(session, user, "bench")
    engine.dispose()
    return url, ids, token


# ----------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(url: str, log: Path) -> Iterator[tuple[str, int]]:
    """``tradeguard serve`` exactly as shipped (uvicorn, one worker) on a free loopback port."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        command = [sys.executable, "-m", "tradeguard", "--db", url, "serve"]
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')}")
            try:
                if _DIRECT.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            time.sleep(0.05)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def check(base: str, token: str, buyer_id: str) -> dict[str, Any]:
    """One request of each kind, so that only correct answers are ever timed."""
    health = _DIRECT.get(f"{base}/healthz")
    assert health.status_code == 200, health.text
    path = f"{base}/api/v1/buyers/{quote(buyer_id, safe='')}"
    assert _DIRECT.get(path).status_code == 401, "the buyer endpoint answered without a token"
    found = _DIRECT.get(path, headers={"Authorization": f"Bearer {token}"})
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    assert body["exposure"]["open_invoices"] >= 0
    return body


# ----------------------------------------------------------------------------- load

_WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %.0f, "duration_us": %.0f, "connect": %.0f, "read": %.0f, '
    .. '"write": %.0f, "status": %.0f, "timeout": %.0f, "p50_us": %.0f, "p99_us": %.0f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_scripts(folder: Path, ids: list[str], token: str, seed: int) -> dict[str, Path]:
    """One Lua script per endpoint: random buyer ids with the bearer token; both report JSON."""
    table = ",".join(f'"{quote(i, safe="")}"' for i in ids)
    buyers = f"""
local ids = {{{table}}}
local headers = {{["Authorization"] = "Bearer {token}"}}
math.randomseed({seed})
request = function()
  return wrk.format("GET", "/api/v1/buyers/" .. ids[math.random(#ids)], headers)
end
"""
    health = """
request = function()
  return wrk.format("GET", "/healthz")
end
"""
    scripts = {"healthz": folder / "healthz.lua", "buyer": folder / "buyer.lua"}
    scripts["healthz"].write_text(health + _WRK_DONE)
    scripts["buyer"].write_text(buyers + _WRK_DONE)
    return scripts


def run_wrk(base: str, script: Path, seconds: float, connections: int, endpoint: str) -> Round:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s"]
    result = subprocess.run(
        [*command, "-s", str(script), base],
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT "))
    data = json.loads(line.removeprefix("RESULT "))
    errors = {k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]}
    if errors:
        raise SystemExit(f"{endpoint}: failed requests {errors}\n{result.stdout}")
    if data["requests"] == 0:
        raise SystemExit(
            f"{endpoint}: the server answered nothing in {seconds:g} s with {connections} "
            "connections: it is stuck (see BENCHMARKS.md, 'API'); the server log is in --work"
        )
    elapsed = data["duration_us"] / 1e6
    return Round(
        endpoint,
        int(data["requests"]),
        elapsed,
        data["requests"] / elapsed,
        data["p50_us"] / 1000,
        data["p99_us"] / 1000,
    )


def run_httpx(
    base: str, paths: list[str], token: str | None, seconds: float, connections: int, endpoint: str
) -> Round:
    """Fallback without wrk: ``connections`` async workers; the client competes for the CPUs."""

    async def drive() -> list[float]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
        latencies: list[float] = []
        rng = random.Random(1)
        async with httpx2.AsyncClient(
            base_url=base, headers=headers, limits=limits, trust_env=False
        ) as client:
            deadline = time.perf_counter() + seconds

            async def worker() -> None:
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    response = await client.get(rng.choice(paths))
                    if response.status_code != 200:
                        raise SystemExit(f"{endpoint}: HTTP {response.status_code}")
                    latencies.append(time.perf_counter() - started)

            await asyncio.gather(*(worker() for _ in range(connections)))
        return latencies

    started = time.perf_counter()
    latencies = asyncio.run(drive())
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return Round(
        endpoint,
        len(latencies),
        elapsed,
        len(latencies) / elapsed,
        quantiles[49] * 1000,
        quantiles[98] * 1000,
    )


def server_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of the server process so far (Linux ``/proc``), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- profile


def profile(
    pid: int, seconds: float, drive: Callable[[], object], out: Path, top: int
) -> dict[str, list[tuple[str, float]]]:
    """Sample the server with py-spy while ``drive()`` loads the buyer endpoint.

    Returns the TradeGuard functions by inclusive share of the busy samples, and the
    libraries (or TradeGuard modules) by self time: where the CPU actually is.
    """
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    raw = out.with_suffix(".pyspy.txt")
    command = [spy, "record", "--pid", str(pid), "--duration", f"{seconds:.0f}", "--rate", "250"]
    sampler = subprocess.Popen(
        [*command, "--format", "raw", "--nolineno", "--output", str(raw)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)  # let py-spy attach before the load starts
    drive()
    _, problem = sampler.communicate(timeout=seconds + 30)
    if sampler.returncode != 0 or not raw.exists():
        raise SystemExit(f"py-spy failed: {problem}")
    inclusive: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    attributed: Counter[str] = Counter()
    busy = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = stack.split(";")
        if _idle(frames):
            continue
        count = int(count_text)
        busy += count
        ours = [_short(f) for f in frames if _is_ours(f)]
        for name in set(ours):
            inclusive[name] += count
        owner = _owner(frames[-1])
        owners[owner] += count
        attributed[f"{ours[-1] if ours else '(framework)'} -> {owner}"] += count
    busy = max(busy, 1)
    return {
        "busy_samples": [("all", float(busy))],
        "tradeguard_inclusive": [(f, 100 * n / busy) for f, n in inclusive.most_common(top)],
        "self_by_owner": [(f, 100 * n / busy) for f, n in owners.most_common(top)],
        "innermost_tradeguard_to_owner": [
            (f, 100 * n / busy) for f, n in attributed.most_common(top)
        ],
    }


_IDLE_LEAVES = ("EpollSelector.select (selectors.py)", "Condition.wait (threading.py)")
_PROCESS_FRAMES = (
    "(tradeguard/__main__.py)",
    "main (tradeguard/cli/main.py)",
    "serve (tradeguard/cli/main.py)",
)


def _idle(frames: list[str]) -> bool:
    """An event loop waiting for I/O or a pool thread waiting for work: not cost."""
    if frames[-1].startswith("EpollSelector.select"):
        return True
    return frames[-1] in _IDLE_LEAVES and any(f.startswith("WorkerThread.run") for f in frames)


def _is_ours(frame: str) -> bool:
    """A TradeGuard frame other than the process's own (``tradeguard serve`` around the loop)."""
    return "tradeguard/" in frame and not frame.endswith(_PROCESS_FRAMES)


def _short(frame: str) -> str:
    """``exposure (tradeguard/ledger/repository.py)`` -> ``ledger/repository.py:exposure``."""
    name, _, where = frame.partition(" (")
    return f"{where.rstrip(')').split('tradeguard/', 1)[-1]}:{name}"


def _owner(leaf: str) -> str:
    """Who holds the CPU in a sample: a TradeGuard module, a library, or the stdlib."""
    path = leaf.partition(" (")[2].rstrip(")")
    if "tradeguard/" in path:
        return "tradeguard/" + path.split("tradeguard/", 1)[-1]
    if "/" in path:
        return path.split("/", 1)[0]  # py-spy names files from their sys.path root
    return f"stdlib ({path})" if path.endswith(".py") else path or leaf


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/tg-bench-api"))
    parser.add_argument("--seconds", type=float, default=5.0, help="per endpoint and round")
    parser.add_argument("--warmup", type=float, default=1.0, help="per endpoint, untimed")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8, help="concurrent client connections")
    parser.add_argument("--client", choices=["auto", "wrk", "httpx"], default="auto")
    parser.add_argument("--profile", action="store_true", help="py-spy the buyer endpoint")
    parser.add_argument("--profile-seconds", type=float, default=10.0)
    parser.add_argument(
        "--db",
        help="a PostgreSQL URL to serve from instead of the cached SQLite file "
        "(the demo is loaded into it when it has no organisation)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "api.json")
    args = parser.parse_args()
    if not (
        0 < args.seconds <= 60
        and 0 < args.warmup <= 10
        and 1 <= args.rounds <= 10
        and 1 <= args.connections <= 256
        and 2 <= args.profile_seconds <= 60
    ):
        parser.error("keep the run bounded: --seconds/--profile-seconds <= 60, --rounds <= 10")

    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "httpx"
        if client == "httpx":
            print("wrk not found (Debian: apt-get install wrk); using the httpx client instead")
    elif client == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk (or --client httpx)")

    url, ids, token = prepare(args.work, args.buyers, args.years, args.seed, args.db)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    scripts = wrk_scripts(args.work, ids, token, args.seed)
    rng = random.Random(args.seed)
    buyer_paths = [f"/api/v1/buyers/{quote(i, safe='')}" for i in rng.sample(ids, len(ids))]

    def load(base: str, endpoint: str, seconds: float) -> Round:
        if client == "wrk":
            return run_wrk(base, scripts[endpoint], seconds, args.connections, endpoint)
        if endpoint == "healthz":
            return run_httpx(base, ["/healthz"], None, seconds, args.connections, endpoint)
        return run_httpx(base, buyer_paths, token, seconds, args.connections, endpoint)

    rounds: list[Round] = []
    with server(url, args.work / "server.log") as (base, pid):
        sample = check(base, token, ids[0])
        print(
            f"{make_url(url).get_backend_name()}, {len(ids):,} buyers; client {client}, "
            f"{args.connections} connections, "
            f"{args.rounds} x {args.seconds:g} s per endpoint; e.g. {ids[0]}: "
            f"{sample['exposure']['open_invoices']} open invoices"
        )
        for endpoint in ("healthz", "buyer"):
            load(base, endpoint, args.warmup)
        for number in range(1, args.rounds + 1):
            for endpoint in ("healthz", "buyer"):
                cpu_before = server_cpu_seconds(pid)
                result = load(base, endpoint, args.seconds)
                cpu_after = server_cpu_seconds(pid)
                if cpu_before is not None and cpu_after is not None:
                    used = (cpu_after - cpu_before) * 1000 / max(result.requests, 1)
                    result = replace(result, server_cpu_ms=used)
                rounds.append(result)
                cpu = "" if result.server_cpu_ms is None else f"  cpu {result.server_cpu_ms:.2f} ms"
                print(
                    f"  round {number} {endpoint:>7}: {result.rps:8.0f} req/s  "
                    f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms{cpu}  "
                    f"({result.requests:,} requests)"
                )
        hotspots = None
        if args.profile:
            hotspots = profile(
                pid,
                args.profile_seconds,
                lambda: load(base, "buyer", args.profile_seconds - 1),
                args.out,
                top=20,
            )

    health = statistics.median(r.rps for r in rounds if r.endpoint == "healthz")
    buyer = statistics.median(r.rps for r in rounds if r.endpoint == "buyer")
    ratio = buyer / health
    per_round = [b.rps / h.rps for h, b in zip(rounds[::2], rounds[1::2], strict=True)]
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(
        f"\nmedian req/s: healthz {health:.0f}, buyer {buyer:.0f}; ratio {ratio:.1%} "
        f"(rounds {min(per_round):.1%}..{max(per_round):.1%}); {verdict} the "
        f"{TARGET_RATIO:.0%} target"
    )
    cpu_cost = {
        endpoint: statistics.median(
            r.server_cpu_ms for r in rounds if r.endpoint == endpoint and r.server_cpu_ms
        )
        for endpoint in ("healthz", "buyer")
        if any(r.server_cpu_ms for r in rounds if r.endpoint == endpoint)
    }
    if len(cpu_cost) == 2:
        print(
            f"server CPU per request (median): healthz {cpu_cost['healthz']:.2f} ms, "
            f"buyer {cpu_cost['buyer']:.2f} ms; ratio {cpu_cost['healthz'] / cpu_cost['buyer']:.1%}"
        )
    if client == "httpx":
        print("(httpx: the Python client shares the CPUs and caps /healthz; prefer wrk)")
    if hotspots:
        print("\nTradeGuard functions, share of busy server samples (inclusive):")
        for name, pct in hotspots["tradeguard_inclusive"]:
            print(f"  {pct:5.1f}%  {name}")
        print("\nself time by library / TradeGuard module:")
        for name, pct in hotspots["self_by_owner"]:
            print(f"  {pct:5.1f}%  {name}")
        print("\ninnermost TradeGuard function -> where the time goes:")
        for name, pct in hotspots["innermost_tradeguard_to_owner"]:
            print(f"  {pct:5.1f}%  {name}")
    args.out.write_text(
        json.dumps(
            {
                "buyers": len(ids),
                "database": make_url(url).get_backend_name(),
                "client": client,
                "connections": args.connections,
                "seconds": args.seconds,
                "rounds": [asdict(r) for r in rounds],
                "healthz_rps": health,
                "buyer_rps": buyer,
                "ratio": ratio,
                "server_cpu_ms_per_request": cpu_cost,
                "target": TARGET_RATIO,
                "profile": hotspots,
            },
            indent=2,
        )
    )
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
