"""Contention benchmark: many customers send POST /api/v1/bookings for one slot at
the same moment.

    .venv/bin/python bench/contention.py [--contenders 500 --rounds 3 --masters 1000
                                          --workers 1 --seed 1]

The set-up is bench/bookings.py's (a new database, 1,000 masters, the customers and
their access tokens, `bookwell serve` as a subprocess). Each round picks one master,
service and start; --contenders customers, each on its own new connection (the
connect counts in its time), are released at once. Expected: exactly one 201, every
other answer 409 BOOKING_CONFLICT, one active booking holding that time, and every
answer within 2 s (the slowest is reported).

Prints a table and writes bench/results/contention-<timestamp>.json (and the server
log next to it).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from rich.table import Table

from bookings import (
    ACTIVE,
    RESULTS,
    VERDICT,
    Attempt,
    Pick,
    Prepared,
    api_attempt,
    console,
    describe,
    dsn,
    empty_bookings,
    percentile,
    prepare,
    running_api,
    save,
    timestamp,
)

CONTENTION_TARGET_S = 2.0


@dataclass(frozen=True, slots=True)
class Round:
    round: int
    clients: int
    winners: int
    conflicts: int
    errors: int
    active_rows: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    sample_error: str | None


async def contention_round(
    number: int, base: str, url: str, pick: Pick, tokens: list[str]
) -> Round:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, timeout=60, limits=limits) for _ in tokens]
    attempts = [api_attempt(client, token) for client, token in zip(clients, tokens, strict=True)]
    try:
        # No connection is opened ahead: the server would close the first ones (idle
        # keep-alive) before the last were open. Each latency includes its connect.
        gate = asyncio.Event()

        async def one(attempt: Attempt) -> tuple[str, float]:
            await gate.wait()
            started = time.perf_counter()
            try:
                outcome = await attempt(pick)
            except Exception as exc:
                outcome = f"{type(exc).__name__}: {exc}"[:300]
            return outcome, time.perf_counter() - started

        tasks = [asyncio.create_task(one(attempt)) for attempt in attempts]
        await asyncio.sleep(0.2)
        gate.set()
        answers = await asyncio.gather(*tasks)
    finally:
        for client in clients:
            await client.aclose()
    tally = Counter(outcome for outcome, _ in answers)
    errors = [o for o in tally if o not in {"booked", "conflict"}]
    latencies = sorted(seconds for _, seconds in answers)
    connection = await asyncpg.connect(dsn(url))
    try:
        rows: int = await connection.fetchval(
            f"SELECT count(*) FROM bookings WHERE master_id = $1 AND status IN {ACTIVE} "  # noqa: S608
            "AND busy_from < $3 AND busy_until > $2",
            pick.offer.master_id,
            pick.start,
            pick.busy_until,
        )
    finally:
        await connection.close()
    return Round(
        round=number,
        clients=len(tokens),
        winners=tally["booked"],
        conflicts=tally["conflict"],
        errors=sum(tally[o] for o in errors),
        active_rows=rows,
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        max_ms=round(latencies[-1] * 1000, 2),
        sample_error=errors[0] if errors else None,
    )


async def run_contention(base: str, prepared: Prepared, args: argparse.Namespace) -> list[Round]:
    url, world, tokens = prepared.url, prepared.world, prepared.tokens
    await empty_bookings(url)
    rng = random.Random(args.seed)
    today = datetime.now(UTC).date()
    rounds = []
    for number in range(1, args.rounds + 1):
        offer = rng.choice(world.offers)
        day = today + timedelta(days=3 + number)
        local = datetime.combine(day, wall_time(10), tzinfo=ZoneInfo(offer.zone))
        pick = Pick(offer, local.astimezone(UTC))
        console.log(f"contention round {number}: {args.contenders} clients for one slot ...")
        rounds.append(await contention_round(number, base, url, pick, tokens[: args.contenders]))
    return rounds


def report_contention(rounds: list[Round]) -> bool:
    table = Table(title="One slot, all clients at once (POST /api/v1/bookings)")
    for column in ("round", "clients", "201", "409", "errors", "rows", "p50 ms", "p95 ms"):
        table.add_column(column, justify="right")
    table.add_column("max ms", justify="right")
    for row in rounds:
        table.add_row(
            str(row.round),
            str(row.clients),
            str(row.winners),
            str(row.conflicts),
            str(row.errors),
            str(row.active_rows),
            f"{row.p50_ms:.0f}",
            f"{row.p95_ms:.0f}",
            f"{row.max_ms:.0f}",
        )
    console.print(table)
    one_winner = all(r.winners == 1 and r.active_rows == 1 and not r.errors for r in rounds)
    in_time = all(r.max_ms < CONTENTION_TARGET_S * 1000 for r in rounds)
    console.print(f"exactly one winner, the rest 409, one row: {VERDICT[one_winner]}")
    console.print(f"every answer within {CONTENTION_TARGET_S:g} s: {VERDICT[in_time]}")
    return one_winner and in_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contenders", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--masters", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=1, help="API processes")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    prepared = prepare(args.masters, args.contenders)
    stamp = timestamp()
    document = describe("contention", stamp, prepared, args)
    document["targets"] = {"winners": 1, "max_seconds": CONTENTION_TARGET_S}
    log = RESULTS / f"contention-{stamp}.server.log"
    with running_api(prepared.url, prepared.jwt_secret, args.workers, log) as base:
        rounds = asyncio.run(run_contention(base, prepared, args))
    document["rounds"] = [asdict(row) for row in rounds]
    document["met"] = report_contention(rounds)
    save(document)


if __name__ == "__main__":
    main()
