"""Slot benchmark: GET /api/v1/specialists/{id}/availability for 31 days of a busy
specialist, against the same computation run in-process (no HTTP).

    .venv/bin/python bench/slots.py [--concurrency 20 --duration 20 --seed 1]

Steps: drop and create BENCH_SLOTS_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/bench_slots), migrate, insert one specialist
(a one-person business in Europe/Berlin: Monday to Friday 09:00-13:00 and
14:00-18:00, Saturday 10:00-14:00; the business open Monday to Saturday
08:00-20:00) with a 30-minute service on a 15-minute grid, 2,000 bookings over the
year around today, 50 blocks (40 one-off, 10 recurring: daily, weekly, fortnightly,
monthly, yearly, with COUNT and UNTIL) and 10 date overrides, then ANALYZE and start
`bookwell serve` as a subprocess. Each request asks for 31 days starting on one of
300 dates (today - 30 days ... today + 269 days) shown in one of 14 zones that keep
Berlin's time (Europe/Paris, Europe/Rome ...): 4,200 requests, shuffled, the same
sequence on both sides. Public replies are cached under keys that include the range
and the zone, so none of these is answered from the cache.

- direct: `availability.service.public_availability` without a cache (the
  repository's queries, the engine, the JSON reply) called in-process by
  --concurrency tasks over one SQLAlchemy/asyncpg pool as large as the API's
  (10 + 10 connections);
- API: the same requests over HTTP from --concurrency httpx clients, one keep-alive
  connection each, against one `bookwell serve` process;
- API, cached: 20 of those requests over and over (warmed first), answered from the
  response cache after two small queries;
- direct and API again with one client: the cost of a request without queueing.

Before timing, the bench checks that the API and the direct call return the same
bytes.

Prints a table and writes bench/results/slots-<timestamp>.json (and the server log).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
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

from bookwell.availability.service import PeriodQuery, public_availability
from bookwell.config import Settings
from bookwell.db import Database
from bookwell.kit.clock import utcnow
from bookwell.migrations import run_migrations
from bookwell.models import (
    AvailabilityBlock,
    AvailabilityOverride,
    Booking,
    BookingKind,
    BookingStatus,
    Business,
    BusinessRole,
    BusinessStatus,
    Master,
    Membership,
    Service,
    User,
    UserType,
    service_masters,
)
from bookwell.scheduling.recurrence import RuleError, parse_rule

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_slots"
RESULTS = Path(__file__).resolve().parent / "results"
BOOKWELL = Path(sys.executable).parent / "bookwell"
ZONE = ZoneInfo("Europe/Berlin")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = WEEKDAY_NAMES[:5]
WORKING_HOURS: dict[str, list[dict[str, str]]] = {
    **{
        day: [{"start": "09:00", "end": "13:00"}, {"start": "14:00", "end": "18:00"}]
        for day in WEEKDAYS
    },
    "saturday": [{"start": "10:00", "end": "14:00"}],
}
OPENING_HOURS = {day: [{"start": "08:00", "end": "20:00"}] for day in (*WEEKDAYS, "saturday")}
BOOKINGS = 2000
ONE_OFF_BLOCKS = 40
RANGE_DAYS = 31
P95_TARGET_MS = 30.0
console = Console()

# (first occurrence: days from today or the first date after it the rule accepts,
#  local start, minutes, rule)
RECURRING_BLOCKS = (
    (-730, "13:00", 60, "FREQ=DAILY"),
    (-365, "12:00", 30, "FREQ=WEEKLY;BYDAY=WE"),
    (-200, "16:00", 120, "FREQ=WEEKLY;INTERVAL=2"),
    (-100, "09:00", 60, "FREQ=MONTHLY"),
    (-400, "10:00", 240, "FREQ=YEARLY"),
    (-50, "17:30", 30, "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"),
    (-20, "09:00", 45, "FREQ=WEEKLY;COUNT=30"),
    (0, "11:00", 30, "FREQ=WEEKLY;INTERVAL=3"),
    (-300, "15:00", 60, "FREQ=MONTHLY;BYDAY=1MO"),
    (10, "14:00", 60, "FREQ=WEEKLY;UNTIL={until}"),
)


# --- data ------------------------------------------------------------------------


async def recreate_database(url: str) -> None:
    target = make_url(url)
    admin = await asyncpg.connect(_dsn(target.set(database="postgres").render_as_string(False)))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await admin.close()


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _at(day: date, wall: str) -> datetime:
    hour, minute = map(int, wall.split(":"))
    return datetime.combine(day, wall_time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def _bookings(
    rng: random.Random, today: date, owner: dict[str, uuid.UUID], service: Service
) -> list[Booking]:
    """BOOKINGS bookings on the working days of the year around today, on the
    30-minute grid of the hours, never overlapping (the database guard would refuse
    it); past ones completed, a tenth cancelled."""
    working = [
        day for day in (today + timedelta(days=n) for n in range(-182, 183)) if day.weekday() < 6
    ]
    per_day = [BOOKINGS // len(working)] * len(working)
    for index in rng.sample(range(len(working)), BOOKINGS % len(working)):
        per_day[index] += 1
    bookings = []
    for day, count in zip(working, per_day, strict=True):
        grid = [
            _at(day, interval["start"]) + timedelta(minutes=30 * n)
            for interval in WORKING_HOURS[WEEKDAY_NAMES[day.weekday()]]
            for n in range((int(interval["end"][:2]) - int(interval["start"][:2])) * 2)
        ]
        for start in rng.sample(grid, min(count, len(grid))):
            status = rng.choices(
                (BookingStatus.CONFIRMED, BookingStatus.PENDING, BookingStatus.CANCELLED),
                (80, 10, 10),
            )[0]
            if day < today and status is not BookingStatus.CANCELLED:
                status = BookingStatus.COMPLETED
            end = start + timedelta(minutes=30)
            bookings.append(
                Booking(
                    **owner,
                    kind=BookingKind.APPOINTMENT,
                    service_id=service.id,
                    service_name=service.name,
                    starts_at=start,
                    ends_at=end,
                    busy_from=start,
                    busy_until=end,
                    timezone=ZONE.key,
                    status=status,
                    currency="EUR",
                    total_amount=5000,
                )
            )
    return bookings


def _blocks(
    rng: random.Random, today: date, owner: dict[str, uuid.UUID]
) -> list[AvailabilityBlock]:
    """One-off blocks of 1 to 3 hours, and RECURRING_BLOCKS, each starting on the
    first date from its offset that its rule accepts as a first occurrence."""
    blocks = []
    for _ in range(ONE_OFF_BLOCKS):
        day = today + timedelta(days=rng.randint(-180, 180))
        start = _at(day, f"{rng.randint(9, 16):02d}:{rng.choice((0, 30))}")
        blocks.append(
            AvailabilityBlock(
                **owner,
                starts_at=start,
                ends_at=start + timedelta(hours=rng.randint(1, 3)),
                timezone=ZONE.key,
                reason="one-off",
            )
        )
    until = (today + timedelta(days=120)).strftime("%Y%m%d")
    for offset, wall, minutes, text in RECURRING_BLOCKS:
        for days in range(offset, offset + 40):
            start = _at(today + timedelta(days=days), wall)
            try:
                rule = parse_rule(
                    text.format(until=until), start.astimezone(ZONE).replace(tzinfo=None), ZONE
                )
            except RuleError:
                continue
            break
        else:
            raise SystemExit(f"no first occurrence for {text}")
        blocks.append(
            AvailabilityBlock(
                **owner,
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
                timezone=ZONE.key,
                rrule=rule.text,
                repeat_until=rule.until,
                reason="recurring",
            )
        )
    return blocks


def _rows(seed: int, today: date) -> dict[str, Any]:
    rng = random.Random(seed)
    user = User(
        id=uuid.uuid4(),
        email="specialist@bench.test",
        first_name="Bench",
        last_name="Specialist",
        user_type=UserType.SPECIALIST,
    )
    business = Business(
        id=uuid.uuid4(),
        name="Bench Specialist",
        subdomain="bench-slots",
        status=BusinessStatus.ACTIVE,
        timezone=ZONE.key,
        currency="EUR",
        opening_hours=OPENING_HOURS,
        is_solo=True,
    )
    master = Master(
        id=uuid.uuid4(),
        business_id=business.id,
        user_id=user.id,
        timezone=ZONE.key,
        working_hours=WORKING_HOURS,
        locations=[],
    )
    service = Service(
        id=uuid.uuid4(),
        business_id=business.id,
        name="Consultation",
        duration_minutes=30,
        price=5000,
        slot_step_minutes=15,
    )
    memberships = [
        Membership(business_id=business.id, user_id=user.id, role=role, locations=[])
        for role in (BusinessRole.OWNER, BusinessRole.MASTER)
    ]
    owner = {"business_id": business.id, "master_id": master.id}
    overrides = [
        AvailabilityOverride(
            **owner,
            day=today + timedelta(days=offset),
            hours=[] if n % 2 else [{"start": "10:00", "end": "15:00"}],
            reason="bench",
        )
        for n, offset in enumerate(rng.sample(range(-30, 240), 10))
    ]
    return {
        # Inserted in this order (the models have no relationships to order them).
        "parents": [[user, business], [*memberships, master, service]],
        "bookings": _bookings(rng, today, owner, service),
        "blocks": _blocks(rng, today, owner),
        "overrides": overrides,
        "ids": [master.id, service.id],
    }


async def load_data(
    url: str, seed: int, today: date
) -> tuple[uuid.UUID, uuid.UUID, dict[str, int]]:
    started = time.perf_counter()
    rows = _rows(seed, today)
    database = Database(Settings(_env_file=None, database_url=url))
    try:
        async with database.session() as session:
            for batch in rows["parents"]:
                session.add_all(batch)
                await session.flush()
            master_id, service_id = rows["ids"]
            await session.execute(
                service_masters.insert().values(service_id=service_id, master_id=master_id)
            )
            for kind in ("bookings", "blocks", "overrides"):
                session.add_all(rows[kind])
            await session.flush()
    finally:
        await database.dispose()
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    console.log(f"loaded and analyzed in {time.perf_counter() - started:.1f} s")
    counts = {kind: len(rows[kind]) for kind in ("bookings", "blocks", "overrides")}
    return master_id, service_id, counts


# --- the API as a subprocess ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class Api:
    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the server process has used (user + system), from /proc."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_api(url: str, log: Path) -> Iterator[Api]:
    """`bookwell serve` on a free port, answering /health; stopped at the end."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bookwell-bench-") as data_dir:
        env.update(
            DATABASE_URL=url,
            DATA_DIR=data_dir,
            RATE_LIMITS_ENABLED="false",
            LOG_LEVEL="WARNING",
        )
        with log.open("wb") as sink:
            command = [str(BOOKWELL), "serve", "--port", str(port), "--no-migrate"]
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
            yield Api(base, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- measuring -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measured:
    side: str
    clients: int
    requests: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    # CPU time of the computing process per request: the API server, or this one.
    cpu_ms: float


Worker = Callable[[int], Awaitable[None]]


async def measure(
    side: str, workers: list[Worker], duration: float, cpu: Callable[[], float]
) -> Measured:
    """Run every worker in a loop for `duration` seconds; each call is one request."""
    latencies: list[float] = []
    errors = 0
    counter = itertools.count()
    deadline = time.perf_counter() + duration

    async def loop(worker: Worker) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                await worker(next(counter))
            except Exception:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)

    started, cpu_started = time.perf_counter(), cpu()
    await asyncio.gather(*(loop(worker) for worker in workers))
    seconds = time.perf_counter() - started
    cpu_used = cpu() - cpu_started
    latencies.sort()

    def percentile(q: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return Measured(
        side=side,
        clients=len(workers),
        requests=len(latencies),
        errors=errors,
        seconds=round(seconds, 2),
        per_second=round(len(latencies) / seconds, 1),
        p50_ms=round(percentile(0.50), 2),
        p95_ms=round(percentile(0.95), 2),
        p99_ms=round(percentile(0.99), 2),
        cpu_ms=round(cpu_used * 1000 / max(1, len(latencies)), 2),
    )


# Zones that keep Berlin's time all year: the same slots, another cache key.
DISPLAY_ZONES = (
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Rome",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Vienna",
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Brussels",
    "Europe/Prague",
    "Europe/Warsaw",
    "Europe/Budapest",
    "Europe/Zurich",
)


def ranges(today: date) -> list[PeriodQuery]:
    """31-day ranges from 300 start dates in 14 zones, in a scrambled order."""
    queries = [
        PeriodQuery(first, first + timedelta(days=RANGE_DAYS - 1), zone)
        for first in (today + timedelta(days=n) for n in range(-30, 270))
        for zone in DISPLAY_ZONES
    ]
    random.Random(7).shuffle(queries)
    return queries


def params(query: PeriodQuery, service_id: uuid.UUID) -> dict[str, str]:
    return {
        "serviceId": str(service_id),
        "startDate": str(query.start_date),
        "endDate": str(query.end_date),
        "timezone": str(query.timezone),
    }


class NoCache:
    """Lets the service compute every reply."""

    async def get(self, key: str) -> bytes | None:
        return None

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        return None

    async def version(self, namespace: str) -> int:
        return 0

    async def bump(self, namespace: str) -> None:
        return None


async def run_phases(
    api_server: Api,
    url: str,
    master_id: uuid.UUID,
    service_id: uuid.UUID,
    concurrency: int,
    duration: float,
) -> tuple[list[Measured], dict[str, Any]]:
    database = Database(Settings(_env_file=None, database_url=url))
    clients = [httpx.AsyncClient(base_url=api_server.base, timeout=60) for _ in range(concurrency)]
    path = f"/api/v1/specialists/{master_id}/availability"
    queries = ranges(utcnow().date())
    try:

        async def direct_call(query: PeriodQuery) -> bytes:
            async with database.session() as session:
                return await public_availability(
                    session, NoCache(), master_id, service_id, query, utcnow()
                )

        # The same bytes both ways (a slot may turn too_soon between the two calls).
        sample = queries[0]
        for attempt in range(3):
            api_body = (await clients[0].get(path, params=params(sample, service_id))).content
            if api_body == await direct_call(sample):
                break
            if attempt == 2:
                raise SystemExit("the API and the direct call disagree")
        reply = json.loads(api_body)["data"]
        shape = {
            "days": len(reply["availableSlots"]),
            "slots": sum(len(day["slots"]) for day in reply["availableSlots"]),
            "available": sum(
                slot["available"] for day in reply["availableSlots"] for slot in day["slots"]
            ),
            "bytes": len(api_body),
        }

        def direct() -> Worker:
            async def one(i: int) -> None:
                await direct_call(queries[i % len(queries)])

            return one

        def api(client: httpx.AsyncClient, chosen: list[PeriodQuery]) -> Worker:
            async def one(i: int) -> None:
                query = chosen[i % len(chosen)]
                response = await client.get(path, params=params(query, service_id))
                response.raise_for_status()

            return one

        repeated = queries[-20:]
        for query in repeated:
            (await clients[0].get(path, params=params(query, service_id))).raise_for_status()
        here, server = time.process_time, api_server.cpu_seconds
        phases = [
            ("direct (in-process)", [direct() for _ in range(concurrency)], here),
            ("API", [api(client, queries) for client in clients], server),
            ("API, cached", [api(client, repeated) for client in clients], server),
            ("direct (in-process)", [direct()], here),
            # Requests the first API phase did not send (its keys may still be cached).
            ("API", [api(clients[0], queries[len(queries) // 2 :])], server),
        ]
        results = []
        for side, workers, cpu in phases:
            console.log(f"measuring {side}, {len(workers)} client(s), for {duration:g} s ...")
            results.append(await measure(side, workers, duration, cpu))
        return results, shape
    finally:
        for client in clients:
            await client.aclose()
        await database.dispose()


# --- report ---------------------------------------------------------------------------


def report(results: list[Measured], concurrency: int) -> dict[str, float]:
    direct, api = results[0], results[1]
    ratios = {
        "p50": round(api.p50_ms / direct.p50_ms, 2),
        "p95": round(api.p95_ms / direct.p95_ms, 2),
        "p99": round(api.p99_ms / direct.p99_ms, 2),
        "throughput": round(direct.per_second / api.per_second, 2),
        "cpu": round(api.cpu_ms / direct.cpu_ms, 2),
    }
    table = Table(title=f"GET /api/v1/specialists/{{id}}/availability, {RANGE_DAYS} days")
    columns = ("side", "clients", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms")
    for column in (*columns, "CPU ms/req"):
        table.add_column(column, justify="left" if column == "side" else "right")
    for row in results:
        table.add_row(
            row.side,
            str(row.clients),
            str(row.requests),
            str(row.errors),
            f"{row.per_second:.0f}",
            f"{row.p50_ms:.1f}",
            f"{row.p95_ms:.1f}",
            f"{row.p99_ms:.1f}",
            f"{row.cpu_ms:.1f}",
        )
    percentiles = (f"{ratios[k]}x" for k in ("p50", "p95", "p99"))
    table.add_row(
        f"API / direct ({concurrency})",
        "",
        "",
        "",
        f"1/{ratios['throughput']}",
        *percentiles,
        f"{ratios['cpu']}x",
    )
    console.print(table)
    verdict = {True: "[green]met[/]", False: "[red]missed[/]"}
    cached = results[2]
    for row in (api, cached):
        console.print(
            f"target p95 < {P95_TARGET_MS:g} ms ({row.side}, {concurrency} clients): "
            f"{verdict[row.p95_ms < P95_TARGET_MS]}"
        )
    return ratios


async def server_version(url: str) -> str:
    connection = await asyncpg.connect(_dsn(url))
    try:
        version: str = await connection.fetchval("SHOW server_version")
        return version
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = _dsn(os.environ.get("BENCH_SLOTS_DATABASE_URL", DEFAULT_URL))

    load_before = os.getloadavg()
    asyncio.run(recreate_database(url))
    run_migrations(Settings(_env_file=None, database_url=url))
    master_id, service_id, counts = asyncio.run(load_data(url, args.seed, utcnow().date()))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with running_api(url, RESULTS / f"slots-{stamp}.server.log") as api_server:
        results, shape = asyncio.run(
            run_phases(api_server, url, master_id, service_id, args.concurrency, args.duration)
        )
    ratios = report(results, args.concurrency)
    output = RESULTS / f"slots-{stamp}.json"
    document = {
        "benchmark": "specialist-slots",
        "at": stamp,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": vars(args),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql": asyncio.run(server_version(url)),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "rows": counts,
        "reply": shape,
        "results": [asdict(r) for r in results],
        "api_over_direct": ratios,
        "targets": {"p95_ms": P95_TARGET_MS},
    }
    output.write_text(json.dumps(document, indent=2, default=str) + "\n")
    console.print(f"results: {output}")


if __name__ == "__main__":
    main()
