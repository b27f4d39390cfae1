"""Service search benchmark: GET /api/v1/services/search against the same SQL run
directly through asyncpg, on one PostgreSQL database filled with bulk data.

    .venv/bin/python bench/search.py [--services 100000 --specialists 5000
                                      --concurrency 20 --duration 20]

Steps: drop and create BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/bookwell_bench), migrate, COPY the data in,
ANALYZE, start `bookwell serve` as a subprocess, then three timed phases of
--duration seconds each with --concurrency workers:

- direct: the statements the catalog repository runs for a search (captured from
  SQLAlchemy for each query of the set), replayed through asyncpg connections; asyncpg
  prepares and caches them as the server's driver does, so both sides run the plans
  PostgreSQL keeps for prepared statements (generic ones after five executions);
- API: the same searches over HTTP, with minPrice/maxPrice moved by 1/10_000 of a
  unit per request: the response cache misses every time, yet the same rows match
  (prices are whole minor units);
- API cached: the query set as is, answered from the response cache.

Prints a table and writes bench/results/search-<timestamp>.json.
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
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

# Registers PostgreSQL's to_tsvector() before bookwell.catalog.search builds its
# module-level expressions; imported later, they do not compile for PostgreSQL.
import sqlalchemy.dialects.postgresql  # noqa: F401
from rich.console import Console
from rich.table import Table
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bookwell.catalog.repository import SortBy
from bookwell.catalog.service import SearchRequest, search_criteria, search_services
from bookwell.config import Settings
from bookwell.db import Database
from bookwell.demo_content import MARKETS, NAMES, OFFERS, TRADES, WORKING_HOURS
from bookwell.kit.pagination import PageRequest
from bookwell.migrations import run_migrations

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bookwell_bench"
RESULTS = Path(__file__).resolve().parent / "results"
BOOKWELL = Path(sys.executable).parent / "bookwell"
PAGE_SIZE = 20
P95_TARGET_MS = 50.0
RATIO_TARGET = 3.0
console = Console()

# Variants make one offer into many distinct service names, as on a real marketplace.
QUALIFIERS = {
    "en": ("express", "premium", "for beginners", "at home", "online", "for kids", "intensive"),
    "ru": ("экспресс", "премиум", "для начинающих", "на дому", "онлайн", "для детей", "интенсив"),
    "kk": ("экспресс", "премиум", "бастаушыларға", "үйде", "онлайн", "балаларға", "қарқынды"),
}
EXTRAS = {
    "en": ("Materials included.", "Book a time that suits you.", "First visit discount."),
    "ru": ("Материалы включены.", "Выберите удобное время.", "Скидка на первый визит."),
    "kk": ("Материалдар бағаға кіреді.", "Ыңғайлы уақытты таңдаңыз.", "Алғашқы келуге жеңілдік."),
}


@dataclass(frozen=True, slots=True)
class Query:
    """One search as a client sends it; prices in major units of the searcher's market."""

    query: str
    category: str
    min_price: Decimal
    max_price: Decimal
    sort_by: str

    def params(self, nudge: int = 0) -> dict[str, str | int]:
        # A nudge below 1/100 keeps the matching rows (whole cents) but not the cache key.
        step = Decimal("0.0001")
        low = self.min_price - step * (1 + nudge % 99) if nudge else self.min_price
        high = self.max_price + step * (1 + nudge // 99 % 99) if nudge else self.max_price
        return {
            "query": self.query,
            "category": self.category,
            "minPrice": str(low),
            "maxPrice": str(high),
            "sortBy": self.sort_by,
            "limit": PAGE_SIZE,
        }


QUERIES = (
    Query("haircut", "hair", Decimal(10), Decimal(60), "price"),
    Query("massage", "massage", Decimal(30), Decimal(120), "rating"),
    Query("business consultation", "consultation", Decimal(50), Decimal(250), "rating"),
    Query("yoga", "fitness", Decimal(10), Decimal(50), "price"),
    Query("manicure", "nails", Decimal(15), Decimal(60), "reviews"),
    Query("legal", "legal", Decimal(50), Decimal(300), "rating"),
    Query("coaching", "coaching", Decimal(60), Decimal(200), "price"),
    Query("lesson", "education", Decimal(10), Decimal(60), "rating"),
    Query("стрижка", "hair", Decimal(800), Decimal(5000), "price"),
    Query("массаж спины", "massage", Decimal(2000), Decimal(9000), "rating"),
    Query("маникюр", "nails", Decimal(1000), Decimal(5000), "reviews"),
    Query("консультация", "consultation", Decimal(3000), Decimal(20000), "rating"),
    Query("урок", "education", Decimal(1000), Decimal(5000), "price"),
    Query("шаш", "hair", Decimal(5000), Decimal(30000), "price"),
    Query("массаж", "massage", Decimal(15000), Decimal(60000), "rating"),
    Query("жеке жаттықтыру", "fitness", Decimal(10000), Decimal(40000), "reviews"),
    Query("кеңес", "finance", Decimal(20000), Decimal(80000), "rating"),
    Query("маникюр", "nails", Decimal(8000), Decimal(30000), "price"),
)


# --- data ----------------------------------------------------------------------


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


Row = dict[str, Any]


def _rows(specialists: int, services: int, seed: int) -> dict[str, list[Row]]:
    """Solo specialists (a one-person business each) with `services` spread over them,
    in insertion order (parents first)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    tables: dict[str, list[Row]] = {
        name: []
        for name in (
            "users",
            "businesses",
            "locations",
            "memberships",
            "masters",
            "master_locations",
            "services",
            "service_masters",
        )
    }
    hours = [json.dumps(week) for week in WORKING_HOURS]
    offers_of = {t: [o for o in OFFERS if o.category in cats] for t, cats in TRADES.items()}
    for index in range(specialists):
        market = MARKETS[index % len(MARKETS)]
        language = market.language
        city = rng.choice(market.cities)
        names = NAMES[language]
        female = rng.random() < 0.5
        first = rng.choice(names.female if female else names.male)
        last = rng.choice(names.surnames) + (names.female_suffix if female else "")
        user = {
            "id": uuid.uuid4(),
            "email": f"specialist{index}@bench.test",
            "first_name": first,
            "last_name": last,
            "user_type": "specialist",
            "language": language,
            "currency": market.currency,
            "notify_email": True,
            "notify_push": True,
            "notify_telegram": True,
            "loyalty_points": 0,
            "total_bookings": 0,
            "is_active": True,
            **stamps,
        }
        business = {
            "id": uuid.uuid4(),
            "name": f"{first} {last}",
            "subdomain": f"bench-{index}",
            "description": "",
            "status": "active",
            "timezone": city.timezone,
            "currency": market.currency,
            "opening_hours": hours[0],
            "cancellation_notice_hours": 24,
            "deposit_amount": 0,
            "auto_confirm": rng.random() < 0.5,
            "is_solo": True,
            **stamps,
        }
        location = {
            "id": uuid.uuid4(),
            "business_id": business["id"],
            "name": city.name,
            "address": rng.choice(city.streets).format(n=rng.randint(1, 200)),
            "timezone": city.timezone,
            "is_active": True,
            **stamps,
        }
        tables["users"].append(user)
        tables["businesses"].append(business)
        tables["locations"].append(location)
        for role in ("owner", "master"):
            tables["memberships"].append(
                {
                    "id": uuid.uuid4(),
                    "business_id": business["id"],
                    "user_id": user["id"],
                    "role": role,
                    "created_at": now,
                }
            )
        trade = rng.choice(list(TRADES))
        reviews = rng.randint(0, 300)
        master = {
            "id": uuid.uuid4(),
            "business_id": business["id"],
            "user_id": user["id"],
            "description": "",
            "specialties": json.dumps(list(TRADES[trade])),
            "experience_years": rng.randint(1, 25),
            "timezone": city.timezone,
            "working_hours": rng.choice(hours),
            "base_rate": 0,
            "rating": Decimal(f"{rng.uniform(3.5, 5.0):.2f}") if reviews else Decimal(0),
            "total_reviews": reviews,
            "total_bookings": reviews * 3,
            "is_verified": rng.random() < 0.7,
            "is_active": rng.random() < 0.98,
            **stamps,
        }
        tables["masters"].append(master)
        tables["master_locations"].append(
            {"master_id": master["id"], "location_id": location["id"]}
        )
        for _ in range(services // specialists + (index < services % specialists)):
            offer = rng.choice(offers_of[trade])
            name = offer.names[language]
            if rng.random() < 0.6:
                name = f"{name} ({rng.choice(QUALIFIERS[language])})"
            major = offer.usd * market.usd_rate * rng.uniform(0.6, 1.6)
            price = max(market.price_step, round(major / market.price_step) * market.price_step)
            service = {
                "id": uuid.uuid4(),
                "business_id": business["id"],
                "category_id": offer.category,
                "name": name,
                "description": f"{offer.descriptions[language]}. {rng.choice(EXTRAS[language])}",
                "long_description": "",
                "duration_minutes": offer.minutes,
                "price": int(price * 100),  # every market currency here has 2 decimals
                "requirements": "[]",
                "deliverables": "[]",
                "buffer_before_minutes": 0,
                "buffer_after_minutes": rng.choice((0, 5, 10)),
                "min_notice_minutes": 0,
                "slot_step_minutes": 15,
                "is_active": rng.random() < 0.97,
                **stamps,
            }
            tables["services"].append(service)
            tables["service_masters"].append(
                {"service_id": service["id"], "master_id": master["id"]}
            )
    return tables


async def load_data(url: str, specialists: int, services: int, seed: int) -> dict[str, int]:
    started = time.perf_counter()
    tables = _rows(specialists, services, seed)
    console.log(f"generated rows in {time.perf_counter() - started:.1f} s")
    connection = await asyncpg.connect(_dsn(url))
    try:
        async with connection.transaction():
            for table, rows in tables.items():
                columns = list(rows[0])
                await connection.copy_records_to_table(
                    table, records=[tuple(row.values()) for row in rows], columns=columns
                )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    console.log(f"loaded (COPY) and analyzed in {time.perf_counter() - started:.1f} s")
    return {table: len(rows) for table, rows in tables.items()}


# --- the same SQL as the API ---------------------------------------------------

Statements = list[tuple[str, tuple[Any, ...]]]


class _NoCache:
    """Lets the catalog service build every response from the database."""

    async def get(self, key: str) -> bytes | None:
        return None

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        return None

    async def version(self, namespace: str) -> int:
        return 0

    async def bump(self, namespace: str) -> None:
        return None


async def capture_statements(url: str) -> list[Statements]:
    """For each query, the statements (SQL and bound values) the catalog service sends
    to PostgreSQL for that search, as SQLAlchemy hands them to asyncpg."""
    database = Database(Settings(_env_file=None, database_url=url))
    captured: Statements = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if (
            statement.lstrip().upper().startswith(("SELECT", "WITH"))
            and "search_offers" in statement
        ):
            captured.append((statement, tuple(parameters)))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    per_query: list[Statements] = []
    try:
        for query in QUERIES:
            captured.clear()
            request = SearchRequest(
                query=query.query,
                category=query.category,
                min_price=query.min_price,
                max_price=query.max_price,
                sort_by=SortBy(query.sort_by),
            )
            async with database.session() as session:
                await search_services(
                    session, _NoCache(), search_criteria(request), PageRequest(1, PAGE_SIZE)
                )
            if len(captured) != 2:
                # Every query of the set matches: a count and a page, or the capture is off.
                raise SystemExit(f"{query}: captured {len(captured)} statements, expected 2")
            per_query.append(list(captured))
    finally:
        await database.dispose()
    return per_query


# --- the API as a subprocess ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_api(url: str, log: Path) -> Iterator[str]:
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
    requests: int
    errors: int
    seconds: float
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


Worker = Callable[[int], Awaitable[None]]


async def measure(side: str, workers: list[Worker], duration: float) -> Measured:
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

    started = time.perf_counter()
    await asyncio.gather(*(loop(worker) for worker in workers))
    seconds = time.perf_counter() - started
    latencies.sort()

    def percentile(q: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return Measured(
        side=side,
        requests=len(latencies),
        errors=errors,
        seconds=round(seconds, 2),
        per_second=round(len(latencies) / seconds, 1),
        p50_ms=round(percentile(0.50), 2),
        p95_ms=round(percentile(0.95), 2),
        p99_ms=round(percentile(0.99), 2),
    )


async def check_same_results(
    base: str, statements: list[Statements], connection: asyncpg.Connection
) -> list[dict[str, Any]]:
    """Each query through the API returns the page the captured SQL returns."""
    hits = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for query, template in zip(QUERIES, statements, strict=True):
            response = await http.get("/api/v1/services/search", params=query.params())
            if response.status_code != 200:
                raise SystemExit(f"{query}: HTTP {response.status_code}: {response.text[:500]}")
            data = response.json()["data"]
            rows: list[Any] = []
            for sql, values in template:
                rows = await connection.fetch(sql, *values)
            direct = [str(row[0]) for row in rows] if data["services"] else []
            api = [service["id"] for service in data["services"]]
            if api != direct:
                raise SystemExit(f"{query}: the API and the captured SQL disagree")
            hits.append({**asdict(query), "totalItems": data["pagination"]["totalItems"]})
    return hits


async def run_phases(
    base: str, url: str, statements: list[Statements], concurrency: int, duration: float
) -> tuple[list[Measured], list[dict[str, Any]]]:
    connections = [await asyncpg.connect(_dsn(url)) for _ in range(concurrency)]
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(concurrency)]
    try:
        hits = await check_same_results(base, statements, connections[0])

        def direct(connection: asyncpg.Connection) -> Worker:
            async def one(i: int) -> None:
                for sql, values in statements[i % len(statements)]:
                    await connection.fetch(sql, *values)

            return one

        def api(client: httpx.AsyncClient, *, cached: bool) -> Worker:
            async def one(i: int) -> None:
                query = QUERIES[i % len(QUERIES)]
                nudge = 0 if cached else 1 + i // len(QUERIES)
                response = await client.get("/api/v1/services/search", params=query.params(nudge))
                response.raise_for_status()

            return one

        phases = [
            ("direct (asyncpg)", [direct(c) for c in connections]),
            ("API", [api(c, cached=False) for c in clients]),
            ("API, cached", [api(c, cached=True) for c in clients]),
        ]
        results = []
        for side, workers in phases:
            console.log(f"measuring {side} for {duration:g} s ...")
            results.append(await measure(side, workers, duration))
        return results, hits
    finally:
        for client in clients:
            await client.aclose()
        for connection in connections:
            await connection.close()


# --- report --------------------------------------------------------------------


def report(results: list[Measured], concurrency: int) -> dict[str, float]:
    direct, api = results[0], results[1]
    ratios = {
        "p50": round(api.p50_ms / direct.p50_ms, 2),
        "p95": round(api.p95_ms / direct.p95_ms, 2),
        "p99": round(api.p99_ms / direct.p99_ms, 2),
        "throughput": round(direct.per_second / api.per_second, 2),
    }
    table = Table(title=f"GET /api/v1/services/search, {concurrency} concurrent clients")
    for column in ("side", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "side" else "right")
    for row in results:
        table.add_row(
            row.side,
            str(row.requests),
            str(row.errors),
            f"{row.per_second:.0f}",
            f"{row.p50_ms:.1f}",
            f"{row.p95_ms:.1f}",
            f"{row.p99_ms:.1f}",
        )
    percentiles = (f"{ratios[k]}x" for k in ("p50", "p95", "p99"))
    table.add_row("API / direct", "", "", f"1/{ratios['throughput']}", *percentiles)
    console.print(table)
    verdict = {True: "[green]met[/]", False: "[red]missed[/]"}
    console.print(f"target p95 < {P95_TARGET_MS:g} ms (API): {verdict[api.p95_ms < P95_TARGET_MS]}")
    console.print(
        f"target API p95 < {RATIO_TARGET:g}x direct: {verdict[ratios['p95'] < RATIO_TARGET]}"
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--specialists", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = _dsn(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))

    asyncio.run(recreate_database(url))
    run_migrations(Settings(_env_file=None, database_url=url))
    counts = asyncio.run(load_data(url, args.specialists, args.services, args.seed))
    statements = asyncio.run(capture_statements(url))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with running_api(url, RESULTS / f"search-{stamp}.server.log") as base:
        results, hits = asyncio.run(
            run_phases(base, url, statements, args.concurrency, args.duration)
        )
    ratios = report(results, args.concurrency)
    output = RESULTS / f"search-{stamp}.json"
    document = {
        "benchmark": "services-search",
        "at": stamp,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": vars(args),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql": asyncio.run(server_version(url)),
        },
        "rows": counts,
        "queries": hits,
        "results": [asdict(r) for r in results],
        "api_over_direct": ratios,
        "targets": {"p95_ms": P95_TARGET_MS, "api_over_direct": RATIO_TARGET},
    }
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    console.print(f"results: {output}")


if __name__ == "__main__":
    main()
