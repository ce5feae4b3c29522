"""Configuration: environment parsing and the production gate."""

from __future__ import annotations

import os

import pytest

from shopdb.app import create_app
from shopdb.config import DEVELOPMENT_SECRET_KEY, load_config, production_problems, validate
from shopdb.errors import ConfigError

GOOD_PRODUCTION = {
    "SHOPDB_ENV": "production",
    "SECRET_KEY": "7Zi7v79O_PcTlq3wIkBcznNDxo15hsV7yT4zuzxEIXutzBBb-eKM4C5_BP51cVph",
    "JWT_SECRET_KEY": "peMY84_Ktm6keNo_pfIK6tzZYF7tuU3iki8gyagnO4gMKrAixOgQp2hFe5gK28qa",
    "DATABASE_URL": "postgresql+psycopg://shopdb:pw@db.example/shopdb",
    "CORS_ORIGINS": "https://shopdb.example",
}


def test_development_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SHOPDB_ENV", raising=False)
    config = load_config({"SHOPDB_INSTANCE_PATH": str(tmp_path)})
    assert config["SHOPDB_ENV"] == "development"
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'shopdb.db'}"
    assert config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    assert config["SESSION_COOKIE_SECURE"] is False


def test_a_good_production_configuration_passes():
    config = load_config(GOOD_PRODUCTION)
    assert production_problems(config) == []
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["CORS_ORIGINS"] == ["https://shopdb.example"]


def test_production_lists_every_problem_in_one_message(monkeypatch):
    for name in ("SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(
        {
            "SHOPDB_ENV": "production",
            "CORS_ORIGINS": "*",
            "SHOPDB_COOKIE_SECURE": "false",
            "SHOPDB_DEBUG": "true",
        }
    )
    with pytest.raises(ConfigError) as raised:
        validate(config)
    message = str(raised.value)
    for expected in (
        "SECRET_KEY is not set",
        "JWT_SECRET_KEY is not set",
        "DATABASE_URL is not set",
        "CORS_ORIGINS allows every origin",
        "SHOPDB_COOKIE_SECURE is off",
        "SHOPDB_DEBUG is on",
    ):
        assert expected in message
    assert message.startswith("ShopDB refuses to start in production")


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        (DEVELOPMENT_SECRET_KEY, "known default"),
        ("change-me", "known default"),
        ("short-but-unique", "shorter than 32"),
        ("a" * 40, "only 1 different characters"),
        ("please-change-me-please-change-me-123", "guessable phrase 'changeme'"),
        ("Tr0ub4dor&3" * 4, "repeats a piece of 11 characters"),
        ("x9" * 4 + "qzmwkrtp" + "x9" * 12, "too predictable"),
    ],
)
def test_production_refuses_weak_or_default_secrets(secret, problem):
    config = load_config({**GOOD_PRODUCTION, "SECRET_KEY": secret})
    found = [text for text in production_problems(config) if problem in text]
    assert found, production_problems(config)
    assert 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in found[0]


@pytest.mark.parametrize("size", [32, 48, 64])
def test_production_takes_random_secrets(size):
    import secrets

    for _ in range(50):
        for secret in (secrets.token_urlsafe(size), secrets.token_hex(size // 2)):
            config = load_config({**GOOD_PRODUCTION, "SECRET_KEY": secret})
            assert production_problems(config) == [], secret


def test_production_refuses_the_same_secret_twice():
    config = load_config({**GOOD_PRODUCTION, "JWT_SECRET_KEY": GOOD_PRODUCTION["SECRET_KEY"]})
    assert "SECRET_KEY and JWT_SECRET_KEY must differ" in production_problems(config)


def test_create_app_refuses_an_unsafe_production_configuration():
    with pytest.raises(ConfigError, match="SHOPDB_DEBUG is on"):
        create_app({**GOOD_PRODUCTION, "SHOPDB_DEBUG": "1"})


def test_production_on_sqlite_starts_with_a_warning(tmp_path, caplog):
    app = create_app({**GOOD_PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SHOPDB_ENV"] == "production"
    assert "embedded SQLite" in caplog.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SHOPDB_ENV": "staging"}, "SHOPDB_ENV must be one of"),
        ({"DATABASE_URL": "not a url"}, "is not a valid database URL"),
        ({"DATABASE_URL": "oracle://scott:tiger@host/db"}, "unsupported database 'oracle'"),
        ({"SHOPDB_DEBUG": "maybe"}, "SHOPDB_DEBUG must be true or false"),
        ({"SHOPDB_MAX_REQUEST_BYTES": "lots"}, "SHOPDB_MAX_REQUEST_BYTES must be a whole number"),
    ],
)
def test_bad_values_name_the_variable(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config({"SHOPDB_ENV": "testing", **overrides})


def test_a_missing_driver_is_named(tmp_path):
    with pytest.raises(ConfigError, match="not installed"):
        create_app(
            {
                "SHOPDB_ENV": "testing",
                "DATABASE_URL": "mysql+nosuchdriver://u:p@localhost/db",
                "SHOPDB_INSTANCE_PATH": str(tmp_path),
            }
        )


def test_an_unknown_log_level_is_refused():
    with pytest.raises(ConfigError, match="SHOPDB_LOG_LEVEL must be one of"):
        load_config({"SHOPDB_ENV": "testing", "SHOPDB_LOG_LEVEL": "chatty"})


def test_dotenv_is_read_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHOPDB_LOG_LEVEL", raising=False)
    (tmp_path / ".env").write_text("SHOPDB_LOG_LEVEL=WARNING\n")
    try:
        app = create_app({"SHOPDB_INSTANCE_PATH": str(tmp_path)})
    finally:
        os.environ.pop("SHOPDB_LOG_LEVEL", None)  # load_dotenv set it for the process
    assert app.config["SHOPDB_LOG_LEVEL"] == "WARNING"


def test_trusted_proxies_give_the_real_client_address(tmp_path):
    app = create_app(
        {
            "SHOPDB_ENV": "testing",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "SHOPDB_INSTANCE_PATH": str(tmp_path),
            "SHOPDB_TRUSTED_PROXIES": "1",
        }
    )
    seen = {}

    @app.get("/whoami")
    def whoami():
        from flask import request

        seen["address"] = request.remote_addr
        return "ok"

    app.test_client().get("/whoami", headers={"X-Forwarded-For": "10.1.2.3"})
    assert seen["address"] == "10.1.2.3"


def test_cors_allows_only_the_listed_origins(tmp_path):
    app = create_app(
        {
            "SHOPDB_ENV": "testing",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "SHOPDB_INSTANCE_PATH": str(tmp_path),
            "CORS_ORIGINS": "https://dashboard.example",
        }
    )
    client = app.test_client()
    allowed = client.get("/api/health", headers={"Origin": "https://dashboard.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://dashboard.example"
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    other = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_collector_keys_are_every_collector_key_variable_set():
    config = load_config(
        {
            "SHOPDB_ENV": "testing",
            "COLLECTOR_API_KEY": " shared ",
            "COLLECTOR_API_KEY_COMPUTERS": "for-computers",
            "COLLECTOR_API_KEY_PRINTERS": "",
        }
    )
    assert config["COLLECTOR_API_KEYS"] == {
        "COLLECTOR_API_KEY": "shared",
        "COLLECTOR_API_KEY_COMPUTERS": "for-computers",
    }
    assert config["SHOPDB_COLLECTOR_BATCH_LIMIT"] == 500


@pytest.mark.parametrize(
    "name", ["COLLECTOR_API_KEYS", "COLLECTOR_API_KEY_", "COLLECTOR_API_KEY_A-B"]
)
def test_a_misspelt_collector_key_variable_is_named(name):
    with pytest.raises(ConfigError, match=f"{name} is not a collector key variable"):
        load_config({"SHOPDB_ENV": "testing", name: "x" * 40})


def test_production_refuses_short_collector_keys():
    config = load_config(
        {**GOOD_PRODUCTION, "COLLECTOR_API_KEY": "short", "COLLECTOR_API_KEY_USB": "u" * 32}
    )
    assert [problem.split(";")[0] for problem in production_problems(config)] == [
        "COLLECTOR_API_KEY is shorter than 32 characters",
        "COLLECTOR_API_KEY_USB has only 1 different characters",
    ]


def test_the_batch_limit_must_be_a_positive_number():
    with pytest.raises(ConfigError, match="SHOPDB_COLLECTOR_BATCH_LIMIT must be at least 1"):
        load_config({"SHOPDB_ENV": "testing", "SHOPDB_COLLECTOR_BATCH_LIMIT": "0"})
