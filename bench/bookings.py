"""Booking write benchmark: POST /api/v1/bookings from many signed-in customers
against the same writes sent straight to PostgreSQL.

    .venv/bin/python bench/bookings.py [--masters 1000 --concurrency 200 --duration 30
                                        --workers 1 --seed 1]

Steps: drop and create BENCH_BOOKINGS_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/bookwell_bench_bookings), migrate, COPY in
businesses of 10 masters each (open every day 08:00-20:00 in their zone, three
services of 30, 45 and 60 minutes with 0, 5 and 10 minutes after) and the customers
with a sign-in session each, then start `bookwell serve` as a subprocess.

--concurrency workers each book a random start on the 15-minute grid of a random
master, service and day of the next four weeks, for --duration seconds:

- direct: the rows the API writes for a booking (the booking and its first status
  history entry, one transaction), through an asyncpg pool as large as the API's
  (20 connections), the exclusion constraint refusing overlaps;
- API: POST /api/v1/bookings over HTTP by signed-in customers, each worker its own
  keep-alive connection; the same sequence of starts (same seed) on emptied tables.

After each phase an SQL check counts pairs of active bookings of one master whose
held times overlap: it must be zero. bench/contention.py reuses this set-up.

Prints a table and writes bench/results/bookings-<timestamp>.json (and the server
log next to it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from bookwell.auth.tokens import issue_access_token
from bookwell.config import Settings
from bookwell.migrations import run_migrations

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bookwell_bench_bookings"
RESULTS = Path(__file__).resolve().parent / "results"
BOOKWELL = Path(sys.executable).parent / "bookwell"
ZONES = ("Europe/Berlin", "Asia/Almaty", "America/New_York", "UTC")
HOURS = {"start": "08:00", "end": "20:00"}
OPEN_MINUTES = 12 * 60
DAYS_AHEAD = 28
MASTERS_PER_BUSINESS = 10
# (minutes, buffer after, price in cents)
SERVICES = ((30, 0, 3000), (45, 5, 4500), (60, 10, 6000))
# The API's pool: DB_POOL_SIZE 10 + DB_MAX_OVERFLOW 10.
POOL_SIZE = 20
RATIO_TARGET = 0.25
P95_TARGET_MS = 100.0
ACTIVE = "('pending_payment', 'pending', 'confirmed')"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
console = Console(width=120)


# --- data ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Offer:
    """One master with one service: what a booking needs to know."""

    business_id: uuid.UUID
    master_id: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    zone: str
    minutes: int
    after: int
    price: int


@dataclass
class World:
    offers: list[Offer]
    customers: list[uuid.UUID]
    sessions: list[uuid.UUID]
    counts: dict[str, int] = field(default_factory=dict)


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def recreate_database(url: str) -> None:
    target = make_url(url)
    admin = await asyncpg.connect(dsn(target.set(database="postgres").render_as_string(False)))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await admin.close()


def _rows(masters: int, customers: int) -> tuple[dict[str, list[dict[str, Any]]], World]:
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    week = json.dumps({day: [HOURS] for day in _WEEKDAYS})
    tables: dict[str, list[dict[str, Any]]] = {
        name: [] for name in ("users", "businesses", "masters", "services", "service_masters")
    }
    tables["auth_sessions"] = []
    world = World(offers=[], customers=[], sessions=[])

    def user(email: str, first: str, last: str, kind: str) -> uuid.UUID:
        row = {
            "id": uuid.uuid4(),
            "email": email,
            "first_name": first,
            "last_name": last,
            "user_type": kind,
            "language": "en",
            "currency": "EUR",
            "notify_email": True,
            "notify_push": True,
            "notify_telegram": True,
            "loyalty_points": 0,
            "total_bookings": 0,
            "is_active": True,
            **stamps,
        }
        tables["users"].append(row)
        return row["id"]

    for b in range(-(-masters // MASTERS_PER_BUSINESS)):
        zone = ZONES[b % len(ZONES)]
        business = {
            "id": uuid.uuid4(),
            "name": f"Bench studio {b}",
            "subdomain": f"bench-studio-{b}",
            "description": "",
            "status": "active",
            "timezone": zone,
            "currency": "EUR",
            "opening_hours": week,
            "cancellation_notice_hours": 24,
            "deposit_amount": 0,
            "auto_confirm": b % 2 == 0,
            "is_solo": False,
            **stamps,
        }
        tables["businesses"].append(business)
        services = []
        for minutes, after, price in SERVICES:
            service = {
                "id": uuid.uuid4(),
                "business_id": business["id"],
                "category_id": None,
                "name": f"Session {minutes} min",
                "description": "",
                "long_description": "",
                "duration_minutes": minutes,
                "price": price,
                "requirements": "[]",
                "deliverables": "[]",
                "buffer_before_minutes": 0,
                "buffer_after_minutes": after,
                "min_notice_minutes": 0,
                "slot_step_minutes": 15,
                "is_active": True,
                **stamps,
            }
            tables["services"].append(service)
            services.append(service)
        for m in range(min(MASTERS_PER_BUSINESS, masters - b * MASTERS_PER_BUSINESS)):
            n = b * MASTERS_PER_BUSINESS + m
            master = {
                "id": uuid.uuid4(),
                "business_id": business["id"],
                "user_id": user(f"master{n}@bench.test", "Master", str(n), "customer"),
                "description": "",
                "specialties": "[]",
                "experience_years": 1,
                "timezone": zone,
                "working_hours": week,
                "base_rate": 0,
                "rating": 0,
                "total_reviews": 0,
                "total_bookings": 0,
                "is_verified": True,
                "is_active": True,
                **stamps,
            }
            tables["masters"].append(master)
            for service in services:
                tables["service_masters"].append(
                    {"service_id": service["id"], "master_id": master["id"]}
                )
                world.offers.append(
                    Offer(
                        business_id=business["id"],
                        master_id=master["id"],
                        service_id=service["id"],
                        service_name=service["name"],
                        zone=zone,
                        minutes=service["duration_minutes"],
                        after=service["buffer_after_minutes"],
                        price=service["price"],
                    )
                )
    for c in range(customers):
        customer = user(f"customer{c}@bench.test", "Customer", str(c), "customer")
        signed_in = {
            "id": uuid.uuid4(),
            "user_id": customer,
            "platform": "web",
            "user_agent": "bench",
            "ip_address": "127.0.0.1",
            "created_at": now,
            "last_used_at": now,
        }
        tables["auth_sessions"].append(signed_in)
        world.customers.append(customer)
        world.sessions.append(signed_in["id"])
    world.counts = {table: len(rows) for table, rows in tables.items()}
    return tables, world


async def load_data(url: str, masters: int, customers: int) -> World:
    started = time.perf_counter()
    tables, world = _rows(masters, customers)
    connection = await asyncpg.connect(dsn(url))
    try:
        async with connection.transaction():
            for table, rows in tables.items():
                await connection.copy_records_to_table(
                    table, records=[tuple(row.values()) for row in rows], columns=list(rows[0])
                )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    console.log(f"loaded {world.counts} in {time.perf_counter() - started:.1f} s")
    return world


# --- what to book --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pick:
    offer: Offer
    start: datetime  # UTC

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.offer.minutes)

    @property
    def busy_until(self) -> datetime:
        return self.end + timedelta(minutes=self.offer.after)


def picker(offers: list[Offer], seed: int, today: date) -> Callable[[], Pick]:
    """Random starts on the 15-minute grid of a random offer and day ahead."""
    rng = random.Random(seed)

    def pick() -> Pick:
        offer = rng.choice(offers)
        day = today + timedelta(days=rng.randint(2, DAYS_AHEAD))
        steps = (OPEN_MINUTES - offer.minutes) // 15
        local = datetime.combine(day, wall_time(8), tzinfo=ZoneInfo(offer.zone))
        start = local + timedelta(minutes=15 * rng.randint(0, steps))
        return Pick(offer, start.astimezone(UTC))

    return pick


# --- the API as a subprocess ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_api(url: str, jwt_secret: str, workers: int, log: Path) -> Iterator[str]:
    """`bookwell serve` on a free port, answering /health; stopped at the end."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bookwell-bench-") as data_dir:
        env.update(
            DATABASE_URL=url,
            DATA_DIR=data_dir,
            JWT_SECRET=jwt_secret,
            RATE_LIMITS_ENABLED="false",
            LOG_LEVEL="WARNING",
        )
        command = [str(BOOKWELL), "serve", "--port", str(port), "--no-migrate"]
        command += ["--workers", str(workers)]
        with log.open("wb") as sink:
            process = subprocess.Popen(  # noqa: S603 (our own executable)
                command, env=env, stdout=sink, stderr=subprocess.STDOUT
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"the API exited with {process.returncode}; see {log}")
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the API did not answer /health in 60 s; see {log}")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- measuring -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measured:
    side: str
    booked: int
    conflicts: int
    errors: int
    seconds: float
    bookings_per_second: float
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    overlapping_pairs: int
    sample_error: str | None


# One booking attempt: "booked", "conflict" or an error description.
Attempt = Callable[[Pick], Awaitable[str]]


def percentile(latencies: list[float], q: float) -> float:
    if not latencies:
        return float("nan")
    return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2)


async def measure(
    side: str, attempts: list[Attempt], picks: list[Callable[[], Pick]], duration: float
) -> tuple[Counter[str], list[float], float, str | None]:
    """Each worker books in a loop for `duration` seconds; every request is timed."""
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    sample: list[str] = []
    deadline = time.perf_counter() + duration

    async def loop(attempt: Attempt, pick: Callable[[], Pick]) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                outcome = await attempt(pick())
            except Exception as exc:
                outcome = f"{type(exc).__name__}: {exc}"[:300]
            latencies.append(time.perf_counter() - started)
            if outcome in {"booked", "conflict"}:
                outcomes[outcome] += 1
            else:
                outcomes["error"] += 1
                sample[:] = sample or [outcome]

    console.log(f"measuring {side} for {duration:g} s ...")
    started = time.perf_counter()
    await asyncio.gather(*(loop(a, p) for a, p in zip(attempts, picks, strict=True)))
    latencies.sort()
    return outcomes, latencies, time.perf_counter() - started, sample[0] if sample else None


def summarize(
    side: str,
    outcomes: Counter[str],
    latencies: list[float],
    seconds: float,
    overlaps: int,
    sample: str | None,
) -> Measured:
    return Measured(
        side=side,
        booked=outcomes["booked"],
        conflicts=outcomes["conflict"],
        errors=outcomes["error"],
        seconds=round(seconds, 2),
        bookings_per_second=round(outcomes["booked"] / seconds, 1),
        requests_per_second=round(len(latencies) / seconds, 1),
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
        overlapping_pairs=overlaps,
        sample_error=sample,
    )


INSERT_BOOKING = """
INSERT INTO bookings (
    id, business_id, kind, service_id, service_name, master_id, customer_id,
    contact_name, contact_email, company, starts_at, ends_at, busy_from, busy_until,
    timezone, status, currency, total_amount, deposit_amount, deposit_paid,
    payment_deadline, notes, inquiry, preparation_notes, completion_notes, deliverables,
    cancellation_reason, version, created_at, updated_at
) VALUES (
    $1, $2, 'appointment', $3, $4, $5, $6, 'Bench Customer', $7, '', $8, $9, $8, $10,
    $11, 'pending', 'EUR', $12, 0, false, NULL, 'bench', '', '', '', '[]', '', 1,
    $13, $13
)
"""
INSERT_HISTORY = """
INSERT INTO booking_status_history (
    id, booking_id, from_status, to_status, actor_type, actor_id, reason, changed_at
) VALUES ($1, $2, NULL, 'pending', 'user', $3, '', $4)
"""


def direct_attempt(pool: asyncpg.Pool, customer: uuid.UUID) -> Attempt:
    async def attempt(pick: Pick) -> str:
        booking_id, now = uuid.uuid4(), datetime.now(UTC)
        offer = pick.offer
        try:
            async with pool.acquire() as connection, connection.transaction():
                await connection.execute(
                    INSERT_BOOKING,
                    booking_id,
                    offer.business_id,
                    offer.service_id,
                    offer.service_name,
                    offer.master_id,
                    customer,
                    f"{customer}@bench.test",
                    pick.start,
                    pick.end,
                    pick.busy_until,
                    offer.zone,
                    offer.price,
                    now,
                )
                await connection.execute(INSERT_HISTORY, uuid.uuid4(), booking_id, customer, now)
        except asyncpg.ExclusionViolationError:
            return "conflict"
        return "booked"

    return attempt


def api_attempt(client: httpx.AsyncClient, token: str) -> Attempt:
    headers = {"Authorization": f"Bearer {token}"}

    async def attempt(pick: Pick) -> str:
        body = {
            "serviceId": str(pick.offer.service_id),
            "specialistId": str(pick.offer.master_id),
            "scheduledAt": pick.start.isoformat(),
            "notes": "bench",
        }
        response = await client.post("/api/v1/bookings", json=body, headers=headers)
        if response.status_code == 201:
            return "booked"
        if response.status_code == 409 and "BOOKING_CONFLICT" in response.text:
            return "conflict"
        return f"HTTP {response.status_code}: {response.text[:250]}"

    return attempt


async def overlapping_pairs(url: str) -> int:
    """Pairs of active bookings of one master whose held times overlap."""
    connection = await asyncpg.connect(dsn(url))
    try:
        count: int = await connection.fetchval(
            f"""
            SELECT count(*) FROM bookings a JOIN bookings b
              ON a.master_id = b.master_id AND a.id < b.id
             AND tstzrange(a.busy_from, a.busy_until) && tstzrange(b.busy_from, b.busy_until)
            WHERE a.status IN {ACTIVE} AND b.status IN {ACTIVE}
            """  # noqa: S608
        )
        return count
    finally:
        await connection.close()


async def empty_bookings(url: str) -> None:
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute("TRUNCATE bookings, booking_status_history, outbox_messages")
        await connection.execute("ANALYZE bookings")
    finally:
        await connection.close()


async def run_writes(base: str, prepared: Prepared, args: argparse.Namespace) -> list[Measured]:
    url, world, tokens = prepared.url, prepared.world, prepared.tokens
    today = datetime.now(UTC).date()
    workers = args.concurrency
    results = []

    def picks() -> list[Callable[[], Pick]]:
        return [picker(world.offers, args.seed * 10_000 + w, today) for w in range(workers)]

    pool = await asyncpg.create_pool(dsn(url), min_size=POOL_SIZE, max_size=POOL_SIZE)
    try:
        attempts = [direct_attempt(pool, world.customers[w]) for w in range(workers)]
        outcome = await measure("direct (asyncpg)", attempts, picks(), args.duration)
    finally:
        await pool.close()
    results.append(
        summarize("direct (asyncpg)", *outcome[:3], await overlapping_pairs(url), outcome[3])
    )

    await empty_bookings(url)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, timeout=60, limits=limits) for _ in range(workers)]
    try:
        await asyncio.gather(*(client.get("/health") for client in clients))
        attempts = [api_attempt(clients[w], tokens[w]) for w in range(workers)]
        outcome = await measure("API", attempts, picks(), args.duration)
    finally:
        for client in clients:
            await client.aclose()
    results.append(summarize("API", *outcome[:3], await overlapping_pairs(url), outcome[3]))
    return results


# --- report --------------------------------------------------------------------

VERDICT = {True: "[green]met[/]", False: "[red]missed[/]"}


def report_writes(results: list[Measured], concurrency: int) -> dict[str, float]:
    direct, api = results
    ratio = round(api.bookings_per_second / direct.bookings_per_second, 3)
    table = Table(title=f"POST /api/v1/bookings, {concurrency} concurrent clients")
    columns = ("side", "booked", "conflicts", "errors", "bookings/s", "p50 ms", "p95 ms")
    for column in (*columns, "p99 ms", "overlaps"):
        table.add_column(column, justify="left" if column == "side" else "right")
    for row in results:
        table.add_row(
            row.side,
            str(row.booked),
            str(row.conflicts),
            str(row.errors),
            f"{row.bookings_per_second:.1f}",
            f"{row.p50_ms:.1f}",
            f"{row.p95_ms:.1f}",
            f"{row.p99_ms:.1f}",
            str(row.overlapping_pairs),
        )
    table.add_row("API / direct", "", "", "", f"{ratio:.0%}", "", "", "", "")
    console.print(table)
    for row in results:
        if row.sample_error:
            console.print(f"{row.side}: first error: {row.sample_error}")
    console.print(
        f"target API >= {RATIO_TARGET:.0%} of direct bookings/s: {VERDICT[ratio >= RATIO_TARGET]}"
    )
    console.print(f"target API p95 < {P95_TARGET_MS:g} ms: {VERDICT[api.p95_ms < P95_TARGET_MS]}")
    clean = all(row.overlapping_pairs == 0 for row in results)
    console.print(f"no overlapping active bookings: {VERDICT[clean]}")
    return {"bookings_per_second": ratio}


async def server_version(url: str) -> str:
    connection = await asyncpg.connect(dsn(url))
    try:
        version: str = await connection.fetchval("SHOW server_version")
        return version
    finally:
        await connection.close()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A fresh, migrated, loaded database and signed-in customers' access tokens."""

    url: str
    world: World
    tokens: list[str]
    jwt_secret: str


def prepare(masters: int, customers: int) -> Prepared:
    """Drop and recreate the bench database, migrate it and load it."""
    url = dsn(os.environ.get("BENCH_BOOKINGS_DATABASE_URL", DEFAULT_URL))
    asyncio.run(recreate_database(url))
    run_migrations(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    world = asyncio.run(load_data(url, masters, customers))
    jwt_secret = secrets.token_hex(32)
    signing = Settings(_env_file=None, jwt_secret=jwt_secret)  # type: ignore[call-arg]
    tokens = [
        issue_access_token(signing, user_id, session_id)
        for user_id, session_id in zip(world.customers, world.sessions, strict=True)
    ]
    return Prepared(url, world, tokens, jwt_secret)


def describe(name: str, stamp: str, prepared: Prepared, args: argparse.Namespace) -> dict[str, Any]:
    """The head of a results document: what ran, where, on what data."""
    return {
        "benchmark": name,
        "at": stamp,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": vars(args),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql": asyncio.run(server_version(prepared.url)),
        },
        "rows": prepared.world.counts,
    }


def save(document: dict[str, Any]) -> None:
    output = RESULTS / f"{document['benchmark']}-{document['at']}.json"
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    console.print(f"results: {output}")


def timestamp() -> str:
    RESULTS.mkdir(exist_ok=True)
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--masters", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--workers", type=int, default=1, help="API processes")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    prepared = prepare(args.masters, args.concurrency)
    stamp = timestamp()
    document = describe("bookings", stamp, prepared, args)
    document["targets"] = {
        "api_over_direct_bookings_per_second": RATIO_TARGET,
        "api_p95_ms": P95_TARGET_MS,
    }
    log = RESULTS / f"bookings-{stamp}.server.log"
    with running_api(prepared.url, prepared.jwt_secret, args.workers, log) as base:
        writes = asyncio.run(run_writes(base, prepared, args))
    document["writes"] = [asdict(row) for row in writes]
    document["api_over_direct"] = report_writes(writes, args.concurrency)
    save(document)


if __name__ == "__main__":
    main()
