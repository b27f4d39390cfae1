"""Settings from the environment: production guards, URL checks, the development secret."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bookwell.config import ConfigError, Settings, load_settings, reveal

STRONG_SECRET = "k3J9-pQ2x-Lm8v-Rt5w-Zy7b-Nc4d-Hf6g-Aa1s"  # 40 characters, not a known one
ALL_VARIABLES = (
    "APP_ENV",
    "DEBUG",
    "JWT_SECRET",
    "DATABASE_URL",
    "REDIS_URL",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "CORS_ORIGINS",
    "FORWARDED_ALLOW_IPS",
    "PUBLIC_URL",
    "METRICS_TOKEN",
    "METRICS_PORT",
    "DATA_DIR",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the shell, and no `.env` is found in the working folder."""
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def settings_error(**overrides: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **overrides)
    return str(caught.value)


def production(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    for name, value in variables.items():
        monkeypatch.setenv(name.upper(), value)


# --- production guards -------------------------------------------------------


def test_production_requires_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, database_url="sqlite:///prod.db")
    assert "JWT_SECRET" in settings_error()


@pytest.mark.parametrize("secret", ["secret", "a1b2c3d4e5f6g7h8i9j0", "changeme", "x" * 31])
def test_production_refuses_weak_jwt_secret(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    production(monkeypatch, jwt_secret=secret, database_url="sqlite:///prod.db")
    message = settings_error()
    assert "JWT_SECRET" in message
    assert "weak" in message


def test_production_requires_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, jwt_secret=STRONG_SECRET)
    message = settings_error()
    assert "DATABASE_URL" in message
    assert "JWT_SECRET" not in message


def test_production_refuses_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, jwt_secret=STRONG_SECRET, database_url="sqlite:///prod.db")
    monkeypatch.setenv("DEBUG", "true")
    assert "DEBUG" in settings_error()


def test_production_with_strong_secret_and_explicit_sqlite_is_accepted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    production(monkeypatch, jwt_secret=STRONG_SECRET, database_url=f"sqlite:///{tmp_path}/p.db")
    settings = load_settings(_env_file=None)
    assert settings.is_production
    assert settings.debug is False
    assert settings.signing_secret == STRONG_SECRET
    assert settings.async_database_url == f"sqlite+aiosqlite:///{tmp_path}/p.db"
    assert settings.json_logs is True
    # The configured secret is used as it is: nothing is generated on disk.
    assert not (settings.data_dir / "jwt_secret").exists()


def test_development_needs_neither_secret_nor_database_url(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, data_dir=tmp_path)
    assert not settings.is_production
    assert settings.jwt_secret is None
    assert settings.database_url is None
    assert settings.json_logs is False


# --- values checked in every environment -------------------------------------


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/bookwell", "http://example.com/db", "bookwell.db"]
)
def test_unknown_database_scheme_names_database_url(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    message = settings_error()
    assert message.startswith("DATABASE_URL:"), message
    assert "sqlite" in message
    assert "postgresql" in message


@pytest.mark.parametrize(
    "url",
    ["sqlite:///var/app.db", "postgresql://u:p@db/app", "postgres://u@db/app", ""],
)
def test_known_database_schemes_are_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    settings = load_settings(_env_file=None)
    assert reveal(settings.database_url) == (url or None)


def test_bad_redis_url_names_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "http://127.0.0.1:6379/0")
    message = settings_error()
    assert message.startswith("REDIS_URL:"), message
    assert "redis://" in message


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.example.com:6380"])
def test_redis_urls_are_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("REDIS_URL", url)
    assert reveal(load_settings(_env_file=None).redis_url) == url


def test_bad_log_level_names_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    message = settings_error()
    assert message.startswith("LOG_LEVEL:"), message


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert load_settings(_env_file=None).log_level == "DEBUG"


def test_several_bad_values_are_all_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    monkeypatch.setenv("REDIS_URL", "memcached://x")
    message = settings_error()
    assert "LOG_LEVEL" in message
    assert "REDIS_URL" in message


def test_unknown_app_env_names_app_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "staging")
    assert settings_error().startswith("APP_ENV:")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a,b", ["a", "b"]),
        (" https://a.example , https://b.example,, ", ["https://a.example", "https://b.example"]),
        ("https://only.example", ["https://only.example"]),
        ("", []),
    ],
)
def test_cors_origins_are_split_on_commas(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[str]
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", raw)
    assert load_settings(_env_file=None).cors_origins == expected


def test_dotenv_in_working_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=error\nCORS_ORIGINS=x,y\n")
    settings = load_settings()
    assert settings.log_level == "ERROR"
    assert settings.cors_origins == ["x", "y"]
    # ...and `_env_file=None` really ignores it (what these tests rely on).
    assert load_settings(_env_file=None).log_level == "INFO"


# --- the development signing secret -----------------------------------------


def test_development_secret_is_generated_once_and_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data_dir = tmp_path / "not-yet" / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    first = Settings(_env_file=None)  # type: ignore[call-arg]
    secret = first.signing_secret

    path = data_dir / "jwt_secret"
    assert path.read_text() == secret
    assert len(secret) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.signing_secret == secret

    second = Settings(_env_file=None)  # type: ignore[call-arg]
    assert second.signing_secret == secret
    assert path.read_text() == secret

    other = Settings(_env_file=None, data_dir=tmp_path / "elsewhere")  # type: ignore[call-arg]
    assert other.signing_secret != secret


def test_development_secret_written_meanwhile_by_another_process_is_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two workers starting together: the one that checks second must not overwrite the
    secret the first one already signs with."""
    path = tmp_path / "jwt_secret"
    real_exists = Path.exists

    def exists_before_the_other_worker_wrote(self: Path) -> bool:
        if self == path and not real_exists(self):
            path.write_text("secret-of-the-other-worker-" + "z" * 30)
            return False
        return real_exists(self)

    monkeypatch.setattr(Path, "exists", exists_before_the_other_worker_wrote)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.signing_secret == "secret-of-the-other-worker-" + "z" * 30
    assert path.read_text() == "secret-of-the-other-worker-" + "z" * 30


def test_configured_secret_wins_over_the_generated_one(tmp_path: Path) -> None:
    (tmp_path / "jwt_secret").write_text("generated-earlier")
    settings = Settings(_env_file=None, data_dir=tmp_path, jwt_secret="given")  # type: ignore[call-arg]
    assert settings.signing_secret == "given"


# --- the async driver URL ----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///x", "sqlite+aiosqlite:///x"),
        ("sqlite:////abs/path/app.db", "sqlite+aiosqlite:////abs/path/app.db"),
        ("postgresql://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgres://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
    ],
)
def test_async_database_url_picks_the_async_driver(url: str, expected: str) -> None:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    assert settings.async_database_url == expected


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "d")  # type: ignore[call-arg]
    expected = (tmp_path / "d" / "bookwell.db").resolve()
    assert settings.async_database_url == f"sqlite+aiosqlite:///{expected}"


def test_unparseable_rate_limit_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_LOGIN", "five a day")
    with pytest.raises(ConfigError, match="RATE_LIMIT_LOGIN"):
        load_settings(_env_file=None)
    monkeypatch.setenv("RATE_LIMIT_LOGIN", "10/hour")
    assert load_settings(_env_file=None).rate_limit_login == "10/hour"


def test_long_but_repetitive_secret_is_weak(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        load_settings(
            _env_file=None,
            app_env="production",
            jwt_secret="ab" * 30,
            database_url="postgresql://db/x",
        )


@pytest.mark.parametrize("value", ["127.0.0.1", "10.0.0.0/8, ::1", "*", "fd00::/8,192.0.2.7"])
def test_forwarded_allow_ips_takes_addresses_and_networks(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
    allowed = load_settings(_env_file=None).forwarded_allow_ips
    assert allowed == [part.strip() for part in value.split(",")]


@pytest.mark.parametrize("value", ["proxy.internal", "10.0.0.300", "127.0.0.1;rm"])
def test_forwarded_allow_ips_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
    message = settings_error()
    assert message.startswith("FORWARDED_ALLOW_IPS:"), message


def test_forwarded_allow_ips_defaults_to_nobody() -> None:
    assert load_settings(_env_file=None).forwarded_allow_ips == []


def test_public_url_defaults_to_host_and_port() -> None:
    settings = load_settings(_env_file=None, host="192.0.2.10", port=9000)
    assert settings.public_base == "http://192.0.2.10:9000"
    assert load_settings(_env_file=None, public_url="https://api.example/").public_base == (
        "https://api.example"
    )
