"""Order-screening throughput: authenticated ``POST /api/v1/orders/screen`` against ``/healthz``.

    python bench/bench_screening.py                       # 2,000-buyer demo, SQLite, wrk, 3 rounds
    python bench/bench_screening.py --buyers 500 --years 1 --rounds 1 --seconds 3   # quick look
    python bench/bench_screening.py --db postgresql+psycopg://postgres@127.0.0.1/tg_bench_screen

Modelled on ``bench_api.py`` and sharing its parts (the demo ledger, ``tradeguard serve``
as shipped, wrk or the httpx fallback, the server's CPU per request): both endpoints are
served by one server process in the same run, so the ratio of their requests per second
says what a screening costs (the token, the buyer with its open invoices, its open
orders, score, limit, stop-shipment, alerts, two settings rows, and the insert of the
screening) whatever the machine. Target (the issue): at least 50% of ``/healthz``'s
requests per second, with a p99 latency under 20 ms at that load.

Steps:
1. The demo company is loaded once (``bench_api.prepare``'s cache: a SQLite file under
   ``--work``, or the PostgreSQL database ``--db``); the first run gives every buyer
   without a limit its recommended limit (through ``limits.repository``, so the
   decisions spread over approve, prepayment and cash), and each run adds a sales user
   with a fresh token.
2. The server starts; one screening is checked (200 with a decision, 401 without the
   token), so that no error is ever timed.
3. wrk drives each endpoint for ``--seconds`` after a warm-up, alternating, ``--rounds``
   times; each screening is for a random buyer, an amount drawn from a few sizes, on the
   demo's as-of day. Any non-2xx fails the run. Medians, the ratio and the p99 of the
   screenings are printed and written as JSON to ``--out``; the screenings written are
   counted in the database afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bench_api import (
    _DIRECT,
    _WRK_DONE,
    DEMO_AS_OF,
    Round,
    prepare,
    run_wrk,
    server,
    server_cpu_seconds,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.5
TARGET_P99_MS = 20.0
SCREENER = "bench@screening.tradeguard.example"
AMOUNTS = ("500", "2500", "10000", "40000")


def limits_and_token(url: str) -> tuple[str, int]:
    """A sales user's fresh token, after giving every buyer without a limit its
    recommended one (its latest score's), requested and approved through limits.service
    (once per database). Returns the token and the screenings already in the log."""
    from decimal import Decimal

    from sqlalchemy import func, select

    from tradeguard.credit.models import CreditScore
    from tradeguard.domain.identity.access import Role
    from tradeguard.domain.money import from_minor
    from tradeguard.identity import service as users
    from tradeguard.identity.models import Organisation, User
    from tradeguard.kit.db import get_engine, unit_of_work
    from tradeguard.limits import service as limits
    from tradeguard.limits.models import CreditLimit
    from tradeguard.screening.models import OrderScreening

    engine = get_engine(url)
    with unit_of_work(engine) as session:
        org = session.scalars(select(Organisation)).one()
        limited = set(session.scalars(select(CreditLimit.buyer_id)))
        latest = (
            select(CreditScore.buyer_id, func.max(CreditScore.as_of).label("as_of"))
            .where(CreditScore.org_id == org.id)
            .group_by(CreditScore.buyer_id)
            .subquery()
        )
        recommended = session.execute(
            select(CreditScore.buyer_id, CreditScore.limit_recommended, CreditScore.currency).join(
                latest,
                (CreditScore.buyer_id == latest.c.buyer_id) & (CreditScore.as_of == latest.c.as_of),
            )
        ).all()
        missing = [r for r in recommended if r.buyer_id not in limited]
        if missing:
            print(f"setting {len(missing):,} limits (the recommended ones) ...")
        for buyer_id, minor, currency in missing:
            amount = from_minor(minor, currency).max(Decimal(0))
            asked = limits.request_limit(session, org, buyer_id, amount, None, "bench:sales")
            limits.decide(
                session,
                org,
                asked.id,
                "approve",
                "benchmark",
                "bench:credit-manager",
                override_reason="benchmark",
                today=dt.date.fromisoformat(DEMO_AS_OF),
            )
        user = session.scalar(select(User).where(User.email == SCREENER))
        if user is None:
            user = users.add_user(session, org, SCREENER, Role.SALES, os.urandom(16).hex(), "b")
        token = users.create_token(session, user, "bench")
        logged = session.scalar(select(func.count()).select_from(OrderScreening)) or 0
    engine.dispose()
    return token, logged


def screenings_written(url: str) -> int:
    from sqlalchemy import func, select

    from tradeguard.kit.db import get_engine, unit_of_work
    from tradeguard.screening.models import OrderScreening

    with unit_of_work(get_engine(url)) as session:
        return session.scalar(select(func.count()).select_from(OrderScreening)) or 0


def check(base: str, token: str, buyer_id: str) -> dict[str, Any]:
    """One screening (and the health check), so that only correct answers are timed."""
    assert _DIRECT.get(f"{base}/healthz").status_code == 200
    body = {"buyer_id": buyer_id, "amount": "2500", "as_of": DEMO_AS_OF}
    path = f"{base}/api/v1/orders/screen"
    assert _DIRECT.post(path, json=body).status_code == 401, "screened without a token"
    answer = _DIRECT.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    assert document["decision"] in (
        "approve",
        "approve_with_prepayment",
        "cash_before_delivery",
        "hold",
    )
    return document


def wrk_scripts(folder: Path, ids: list[str], token: str, seed: int) -> dict[str, Path]:
    """One Lua script per endpoint; the screenings draw a buyer and an amount at random."""
    buyers = ",".join(json.dumps(i) for i in ids)
    amounts = ",".join(f'"{a}"' for a in AMOUNTS)
    screen = f"""
local ids = {{{buyers}}}
local amounts = {{{amounts}}}
local headers = {{["Authorization"] = "Bearer {token}", ["Content-Type"] = "application/json"}}
math.randomseed({seed})
request = function()
  local body = '{{"buyer_id": "' .. ids[math.random(#ids)] .. '", "amount": "'
    .. amounts[math.random(#amounts)] .. '", "as_of": "{DEMO_AS_OF}"}}'
  return wrk.format("POST", "/api/v1/orders/screen", headers, body)
end
"""
    health = """
request = function()
  return wrk.format("GET", "/healthz")
end
"""
    scripts = {"healthz": folder / "healthz.lua", "screen": folder / "screen.lua"}
    scripts["healthz"].write_text(health + _WRK_DONE)
    scripts["screen"].write_text(screen + _WRK_DONE)
    return scripts


def run_httpx(
    base: str, ids: list[str], token: str | None, seconds: float, connections: int, endpoint: str
) -> Round:
    """Fallback without wrk: async workers in this process (they share the CPUs)."""
    import asyncio
    import time

    import httpx2

    async def drive() -> list[float]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        pool = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
        latencies: list[float] = []
        rng = random.Random(1)
        async with httpx2.AsyncClient(
            base_url=base, headers=headers, limits=pool, trust_env=False
        ) as client:
            deadline = time.perf_counter() + seconds

            async def worker() -> None:
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    if endpoint == "healthz":
                        response = await client.get("/healthz")
                    else:
                        body = {
                            "buyer_id": rng.choice(ids),
                            "amount": rng.choice(AMOUNTS),
                            "as_of": DEMO_AS_OF,
                        }
                        response = await client.post("/api/v1/orders/screen", json=body)
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
    parser.add_argument("--db", help="a PostgreSQL URL (the demo is loaded when it is empty)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "screening.json")
    args = parser.parse_args()
    if not (
        0 < args.seconds <= 60
        and 0 < args.warmup <= 10
        and 1 <= args.rounds <= 10
        and 1 <= args.connections <= 256
    ):
        parser.error("keep the run bounded: --seconds <= 60, --rounds <= 10")
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "httpx"
    elif client == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk (or --client httpx)")

    url, ids, _viewer_token = prepare(args.work, args.buyers, args.years, args.seed, args.db)
    token, logged_before = limits_and_token(url)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    scripts = wrk_scripts(args.work, ids, token, args.seed)

    def load(base: str, endpoint: str, seconds: float) -> Round:
        if client == "wrk":
            return run_wrk(base, scripts[endpoint], seconds, args.connections, endpoint)
        chosen = None if endpoint == "healthz" else token
        return run_httpx(base, ids, chosen, seconds, args.connections, endpoint)

    rounds: list[Round] = []
    with server(url, args.work / "server-screening.log") as (base, pid):
        sample = check(base, token, ids[0])
        database = url.split(":", 1)[0].split("+", 1)[0]
        print(
            f"{database}, {len(ids):,} buyers; client {client}, {args.connections} connections,"
            f" {args.rounds} x {args.seconds:g} s per endpoint; e.g. {ids[0]}: "
            f"{sample['decision']}, exposure {sample['exposure_before']} {sample['currency']}"
        )
        for endpoint in ("healthz", "screen"):
            load(base, endpoint, args.warmup)
        for number in range(1, args.rounds + 1):
            for endpoint in ("healthz", "screen"):
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

    health = statistics.median(r.rps for r in rounds if r.endpoint == "healthz")
    screen = statistics.median(r.rps for r in rounds if r.endpoint == "screen")
    p99 = statistics.median(r.p99_ms for r in rounds if r.endpoint == "screen")
    ratio = screen / health
    per_round = [s.rps / h.rps for h, s in zip(rounds[::2], rounds[1::2], strict=True)]
    written = screenings_written(url) - logged_before
    meets = ratio >= TARGET_RATIO and p99 < TARGET_P99_MS
    print(
        f"\nmedian req/s: healthz {health:.0f}, screen {screen:.0f}; ratio {ratio:.1%} "
        f"(rounds {min(per_round):.1%}..{max(per_round):.1%}); screen p99 {p99:.1f} ms; "
        f"{'meets' if meets else 'misses'} the target ({TARGET_RATIO:.0%}, p99 < "
        f"{TARGET_P99_MS:g} ms); {written:,} screenings recorded"
    )
    cpu_cost = {
        endpoint: statistics.median(
            r.server_cpu_ms for r in rounds if r.endpoint == endpoint and r.server_cpu_ms
        )
        for endpoint in ("healthz", "screen")
        if any(r.server_cpu_ms for r in rounds if r.endpoint == endpoint)
    }
    if len(cpu_cost) == 2:
        print(
            f"server CPU per request (median): healthz {cpu_cost['healthz']:.2f} ms, "
            f"screen {cpu_cost['screen']:.2f} ms"
        )
    args.out.write_text(
        json.dumps(
            {
                "buyers": len(ids),
                "database": url.split(":", 1)[0],
                "client": client,
                "connections": args.connections,
                "seconds": args.seconds,
                "rounds": [asdict(r) for r in rounds],
                "healthz_rps": health,
                "screen_rps": screen,
                "ratio": ratio,
                "screen_p99_ms": p99,
                "screenings_recorded": written,
                "server_cpu_ms_per_request": cpu_cost,
                "target": {"ratio": TARGET_RATIO, "p99_ms": TARGET_P99_MS},
                "python": sys.version.split()[0],
            },
            indent=2,
        )
    )
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
