"""The command line: `migrate`, `create-admin` and `serve` (as a real process).

The CLI commands run migrations with `asyncio.run` inside, so these are plain (sync)
tests; API checks against the same SQLite file run on their own loop via
`run_in_thread`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner, Result

from bookwell.app import create_app
from bookwell.cli import app as cli_app
from bookwell.config import load_settings
from bookwell.migrations import alembic_config
from tests.conftest import free_port, make_settings, run_in_thread
from tests.factories import registration

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "Adm1n-correct-horse"
BOOKWELL = Path(sys.executable).parent / "bookwell"
# Settings the tests decide; anything set in the shell would change what is tested.
SETTINGS_VARIABLES = (
    "APP_ENV",
    "DEBUG",
    "JWT_SECRET",
    "DATABASE_URL",
    "REDIS_URL",
    "DATA_DIR",
    "HOST",
    "PORT",
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "CORS_ORIGINS",
    "FORWARDED_ALLOW_IPS",
    "METRICS_PORT",
    "METRICS_TOKEN",
    "PUBLIC_URL",
)

runner = CliRunner()


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh DATA_DIR, no DATABASE_URL: the CLI uses DATA_DIR/bookwell.db."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the project folder
    path = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(path))
    return path


def invoke(*args: str) -> Result:
    return runner.invoke(cli_app, list(args))


def text_of(result: Result) -> str:
    """The command's output (stdout and stderr), with rich's line wrapping undone."""
    return " ".join(result.output.split())


def create_admin(*extra: str, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> Result:
    return invoke("create-admin", "--email", email, "--password", password, *extra)


def tables_in(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def users_in(database: Path) -> dict[str, str]:
    """email -> user_type."""
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT email, user_type FROM users").fetchall())


def call_api(
    tmp_path: Path, database: Path, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """One request to an app on `database` (the file the CLI wrote)."""

    async def go() -> httpx.Response:
        app = create_app(make_settings(tmp_path / "api", f"sqlite:///{database}"))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                return await http.request(method, url, **kwargs)

    return run_in_thread(go())


def login(tmp_path: Path, database: Path, email: str, password: str) -> httpx.Response:
    return call_api(
        tmp_path,
        database,
        "POST",
        "/api/v1/auth/login",
        json={"email": email, "password": password},
    )


# --- migrate -----------------------------------------------------------------


def test_migrate_creates_the_sqlite_database_in_data_dir(data_dir: Path) -> None:
    assert not data_dir.exists()
    result = invoke("migrate")
    assert result.exit_code == 0, result.output
    assert "Database migrated to head" in text_of(result)
    database = data_dir / "bookwell.db"
    assert {"users", "auth_sessions", "refresh_tokens", "api_keys", "alembic_version"} <= (
        tables_in(database)
    )
    # Again: nothing to do, still fine.
    assert invoke("migrate").exit_code == 0


def test_migrate_to_a_named_revision(data_dir: Path) -> None:
    script = ScriptDirectory.from_config(alembic_config(load_settings(_env_file=None)))
    first = script.get_base()
    assert first is not None
    result = invoke("migrate", "--revision", first)
    assert result.exit_code == 0, result.output
    assert f"Database migrated to {first}" in text_of(result)
    with sqlite3.connect(data_dir / "bookwell.db") as connection:
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert versions == [(first,)]


# --- create-admin ------------------------------------------------------------


def test_create_admin_creates_a_super_admin_who_can_log_in(data_dir: Path, tmp_path: Path) -> None:
    result = create_admin()
    assert result.exit_code == 0, result.output
    assert f"Super admin {ADMIN_EMAIL} created" in text_of(result)

    database = data_dir / "bookwell.db"
    assert users_in(database) == {ADMIN_EMAIL: "super_admin"}
    response = login(tmp_path, database, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["user"]["userType"] == "super_admin"

    again = create_admin(password="An0ther-password-entirely")
    assert again.exit_code == 0, again.output
    assert "already exists" in text_of(again)
    assert users_in(database) == {ADMIN_EMAIL: "super_admin"}
    # The existing admin is left as it is: the first password still works.
    assert login(tmp_path, database, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 200


def test_create_admin_normalises_the_email(data_dir: Path) -> None:
    result = create_admin(email="Admin@Example.COM")
    assert result.exit_code == 0, result.output
    assert users_in(data_dir / "bookwell.db") == {ADMIN_EMAIL: "super_admin"}
    assert "already exists" in text_of(create_admin(email=ADMIN_EMAIL))


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Sh0rt", "at least 8 characters"),
        ("onlyletters", "must contain a digit"),
        ("password123", "too common"),
    ],
)
def test_create_admin_refuses_a_weak_password(data_dir: Path, password: str, reason: str) -> None:
    result = create_admin(password=password)
    assert result.exit_code == 1, result.output
    output = text_of(result)
    assert "password" in output.lower()
    assert reason in output
    assert "Traceback" not in result.output
    assert users_in(data_dir / "bookwell.db") == {}


@pytest.mark.parametrize("email", ["not-an-email", "admin@", "@example.com", "a b@example.com"])
def test_create_admin_refuses_an_invalid_email(data_dir: Path, email: str) -> None:
    result = create_admin(email=email)
    assert result.exit_code == 1, result.output
    assert "email" in text_of(result).lower()
    assert users_in(data_dir / "bookwell.db") == {}


def test_create_admin_promotes_an_existing_customer_only_when_asked(
    data_dir: Path, tmp_path: Path
) -> None:
    assert invoke("migrate").exit_code == 0
    database = data_dir / "bookwell.db"
    customer = registration(email="owner@example.com")
    response = call_api(tmp_path, database, "POST", "/api/v1/auth/register", json=customer)
    assert response.status_code == 201, response.text
    assert users_in(database) == {"owner@example.com": "customer"}

    refused = create_admin(email="owner@example.com")
    assert refused.exit_code == 1, refused.output
    output = text_of(refused)
    assert "already a customer" in output
    assert "--promote" in output
    assert users_in(database) == {"owner@example.com": "customer"}

    promoted = create_admin("--promote", email="owner@example.com")
    assert promoted.exit_code == 0, promoted.output
    assert "now a super admin" in text_of(promoted)
    assert users_in(database) == {"owner@example.com": "super_admin"}
    # Promotion keeps the user's own password.
    response = login(tmp_path, database, "owner@example.com", customer["password"])
    assert response.status_code == 200, response.text
    assert response.json()["data"]["user"]["userType"] == "super_admin"


def test_create_admin_reads_email_and_password_from_the_environment(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_EMAIL", "env-admin@example.com")
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    result = invoke("create-admin")
    assert result.exit_code == 0, result.output
    assert users_in(data_dir / "bookwell.db") == {"env-admin@example.com": "super_admin"}


# --- configuration errors ----------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD],
        ["serve", "--port", "1"],
    ],
    ids=["migrate", "create-admin", "serve"],
)
def test_configuration_error_exits_2_naming_the_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data_dir}/prod.db")
    result = invoke(*command)
    assert result.exit_code == 2, result.output
    output = text_of(result)
    assert "Configuration error" in output
    assert "JWT_SECRET" in output
    assert "Traceback" not in result.output
    assert not data_dir.exists()  # nothing was touched


def test_bad_value_exits_2_naming_the_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/bookwell")
    result = invoke("migrate")
    assert result.exit_code == 2, result.output
    assert "DATABASE_URL" in text_of(result)


# --- serve (a real process) --------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def running_server(
    tmp_path: Path, *extra: str, env_extra: dict[str, str] | None = None
) -> Iterator[Server]:
    """`bookwell serve` as a subprocess, answering /health, killed at the end."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        ADMIN_EMAIL=ADMIN_EMAIL,
        ADMIN_PASSWORD=ADMIN_PASSWORD,
        HOST="127.0.0.1",
        **(env_extra or {}),
    )
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BOOKWELL), "serve", "--port", str(port), *extra],
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    running = Server(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}:\n{running.output()}")
            try:
                if httpx.get(f"{running.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"serve did not answer /health in time:\n{running.output()}")
            time.sleep(0.1)
        yield running
    finally:
        # SIGTERM first: with --workers the parent stops its worker processes (a
        # SIGKILL would leave them running, holding CPU and the port).
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path) as started:
        yield started


def test_serve_answers_health_docs_and_admin_login(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/health").json() == {"status": "ok"}

        health = http.get("/api/v1/health")
        assert health.status_code == 200, health.text

        docs = http.get("/api/docs")
        assert docs.status_code == 200
        assert docs.headers["content-type"].startswith("application/json")
        schema = docs.json()
        assert schema["openapi"].startswith("3.")
        assert "/api/v1/auth/login" in schema["paths"]

        ui = http.get("/api/docs/ui")
        assert ui.status_code == 200
        assert ui.headers["content-type"].startswith("text/html")
        assert "/api/docs/assets/swagger-ui-bundle.js" in ui.text
        assert "/api/docs/assets/swagger-ui.css" in ui.text
        assert "cdn.jsdelivr.net" not in ui.text  # served offline, no CDN

        bundle = http.get("/api/docs/assets/swagger-ui-bundle.js")
        assert bundle.status_code == 200
        assert "javascript" in bundle.headers["content-type"]
        assert len(bundle.content) > 100_000
        css = http.get("/api/docs/assets/swagger-ui.css")
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")

        # ADMIN_EMAIL / ADMIN_PASSWORD made the super admin at start-up.
        response = http.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert data["user"]["userType"] == "super_admin"
        me = http.get(
            "/api/v1/auth/me",
            headers={"Authorization": f"Bearer {data['tokens']['accessToken']}"},
        )
        assert me.status_code == 200, me.text
    assert "Super admin admin@example.com created" in " ".join(server.output().split())


def _read_response(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP/1.1 response with a Content-Length (bounded by the socket timeout)."""
    raw = b""
    while b"\r\n\r\n" not in raw:
        chunk = connection.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before the headers: {raw!r}")
        raw += chunk
    head, body = raw.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed mid-body: {body!r}")
        body += chunk
    return int(status_line.split()[1]), headers, body


def test_serve_finishes_the_request_in_flight_on_sigterm_and_exits_0(server: Server) -> None:
    body = json.dumps(registration(email="late@example.com")).encode()
    head = (
        "POST /api/v1/auth/register HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    ).encode()
    split = len(body) // 2
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as connection:
        connection.sendall(head + body[:split])
        time.sleep(0.3)  # the server has the headers and is waiting for the rest
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.process.poll() is None, server.output()

        # While it drains, the server takes no new connections...
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=5).close()

        # ...but the request already in flight is completed.
        connection.sendall(body[split:])
        status, headers, payload = _read_response(connection)
        assert status == 201, payload
        assert headers.get("connection") == "close"
        created = json.loads(payload)
        assert created["success"] is True
        assert created["data"]["user"]["email"] == "late@example.com"

    try:
        code = server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve did not exit after SIGTERM:\n{server.output()}")
    assert code == 0, server.output()
    assert "Traceback" not in server.output()

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()


def _count_of(metrics: str, route: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith("http_requests_total{") and f'route="{route}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_add_up_across_worker_processes(tmp_path: Path) -> None:
    requests = 80

    def hit(_: int) -> int:
        # A new connection each time, many at once, so both workers take a share.
        return httpx.get(f"{started.url}/api/v1/health", timeout=10).status_code

    metrics_port = free_port()
    with running_server(
        tmp_path, "--workers", "2", env_extra={"METRICS_PORT": str(metrics_port)}
    ) as started:
        with ThreadPoolExecutor(max_workers=16) as pool:
            assert set(pool.map(hit, range(requests))) == {200}
        scrapes = [
            _count_of(
                httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text,
                "/api/v1/health",
            )
            for _ in range(4)
        ]
        # Not on the API's own port without METRICS_TOKEN.
        assert httpx.get(f"{started.url}/metrics", timeout=10).status_code == 404
    assert scrapes == [requests] * len(scrapes)


def test_serve_believes_no_forwarded_header_by_default(server: Server) -> None:
    """uvicorn alone trusts X-Forwarded-For from 127.0.0.1; `bookwell serve` trusts
    only FORWARDED_ALLOW_IPS (unset here), so a spoofed address buys no guesses."""
    login = {"email": ADMIN_EMAIL, "password": "Wrong-pass-123"}
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for _ in range(5):
            assert http.post("/api/v1/auth/login", json=login).status_code == 401
        for spoofed in ("203.0.113.9", "198.51.100.7"):
            response = http.post(
                "/api/v1/auth/login",
                json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                headers={"X-Forwarded-For": spoofed},
            )
            assert response.status_code == 429, response.text


# --- expire-bookings -----------------------------------------------------------


def test_expire_bookings_marks_overdue_unpaid_bookings(data_dir: Path) -> None:
    assert invoke("migrate").exit_code == 0
    database = data_dir / "bookwell.db"
    columns = (
        "id, business_id, kind, service_name, contact_name, company, starts_at, ends_at,"
        " busy_from, busy_until, timezone, status, currency, total_amount, deposit_amount,"
        " deposit_paid, payment_deadline, notes, inquiry, preparation_notes,"
        " completion_notes, deliverables, cancellation_reason, version, created_at, updated_at"
    )
    start, end = "2030-01-07 10:00:00.000000", "2030-01-07 11:00:00.000000"
    rows = [
        # (id, payment deadline): one long past, one far ahead.
        ("0" * 31 + "1", "2020-01-01 00:00:00.000000"),
        ("0" * 31 + "2", "2030-01-01 00:00:00.000000"),
    ]
    with sqlite3.connect(database) as connection:  # foreign keys are off here
        for row_id, deadline in rows:
            connection.execute(
                f"INSERT INTO bookings ({columns}) VALUES (?, ?, 'appointment', 'Cut', 'Guest', '',"  # noqa: S608
                " ?, ?, ?, ?, 'UTC', 'pending_payment', 'USD', 1000, 200, 0, ?, '', '', '', '',"
                " '[]', '', 1, ?, ?)",
                (row_id, "f" * 32, start, end, start, end, deadline, start, start),
            )
    result = invoke("expire-bookings")
    assert result.exit_code == 0, result.output
    assert "Expired 1 unpaid booking(s)" in text_of(result)
    with sqlite3.connect(database) as connection:
        statuses = dict(connection.execute("SELECT id, status FROM bookings").fetchall())
        history = connection.execute(
            "SELECT booking_id, from_status, to_status, actor_type FROM booking_status_history"
        ).fetchall()
    assert statuses == {rows[0][0]: "expired", rows[1][0]: "pending_payment"}
    assert history == [(rows[0][0], "pending_payment", "expired", "system")]
    assert "Expired 0" in text_of(invoke("expire-bookings"))
