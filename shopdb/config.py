"""Configuration read from environment variables (and an optional `.env` file).

Three environments exist: development (the default), testing and production.
Production is validated at start-up; every problem is collected so that the
operator sees them all in one message instead of fixing them one boot at a time.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from limits import parse_many
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from shopdb.errors import ConfigError

ENVIRONMENTS = ("development", "testing", "production")
SUPPORTED_BACKENDS = ("sqlite", "mysql", "mariadb", "postgresql")

# Secrets used by development and testing. Production refuses them, as it
# refuses the placeholders people commonly leave in a copied .env file.
DEVELOPMENT_SECRET_KEY = "shopdb-development-secret-key-not-for-production"
DEVELOPMENT_JWT_SECRET_KEY = "shopdb-development-jwt-secret-not-for-production"
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        DEVELOPMENT_SECRET_KEY,
        DEVELOPMENT_JWT_SECRET_KEY,
        "change-me",
        "changeme",
        "change-this",
        "secret",
        "dev",
        "development",
        "please-change-me",
        "replace-me",
    }
)
MINIMUM_SECRET_LENGTH = 32
# A secret long enough can still be guessable: few different characters
# ("a" * 40), a short piece repeated, or a phrase people type into examples.
MINIMUM_DISTINCT_CHARACTERS = 10
# Spread of the characters (Shannon entropy of the string, in bits): 64
# characters of token_urlsafe carry about 340, 32 hex digits about 110.
MINIMUM_SPREAD_BITS = 96
KNOWN_PHRASES = (
    "changeme",
    "changethis",
    "pleasechange",
    "replaceme",
    "password",
    "secret",
    "example",
    "default",
    "notforproduction",
    "development",
    "letmein",
    "qwerty",
    "123456",
    "abcdef",
)
MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# What a plugin that fails to load does: stop the app (development, tests) or
# stay out while everything else serves (production).
PLUGIN_ERROR_MODES = ("RAISE", "SKIP")
# Collector keys: COLLECTOR_API_KEY for every plugin's collector, and
# COLLECTOR_API_KEY_<PLUGIN> (the plugin's name upper-cased) for one.
COLLECTOR_KEY_PREFIX = "COLLECTOR_API_KEY"
COLLECTOR_KEY_NAME = re.compile(r"^COLLECTOR_API_KEY(_[A-Z][A-Z0-9]*)?$")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}.")


def parse_int(name: str, raw: str, minimum: int = 1) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}.")
    return value


def parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.strip().upper()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}.")
    return value


def parse_paths(raw: str) -> list[str]:
    """Folders separated like PATH (':' on Linux, ';' on Windows); blanks ignored."""
    return [str(Path(part.strip()).expanduser()) for part in raw.split(os.pathsep) if part.strip()]


def parse_rate_limit(name: str, raw: str) -> str:
    """A Flask-Limiter rate string such as "10 per minute" or "5/minute;50/hour"."""
    value = raw.strip()
    try:
        if parse_many(value):
            return value
    except ValueError:
        pass
    raise ConfigError(
        f"{name} must be a rate such as '10 per minute' or '5/minute;50/hour', not {raw!r}."
    )


def parse_collector_keys(environ: Mapping[str, str]) -> dict[str, str]:
    """Every COLLECTOR_API_KEY* variable that holds a key, by variable name.

    Read by prefix because the plugins are not known yet; a variable with the
    prefix but not one of the two forms is a typo that would leave a
    collector locked out, so it stops the start instead.
    """
    keys = {}
    for name, value in environ.items():
        if not name.upper().startswith(COLLECTOR_KEY_PREFIX):
            continue
        variable = name.upper()
        if not COLLECTOR_KEY_NAME.match(variable):
            raise ConfigError(
                f"{name} is not a collector key variable; use COLLECTOR_API_KEY (every "
                "plugin's collector) or COLLECTOR_API_KEY_<PLUGIN> (one plugin, its name "
                "upper-cased, such as COLLECTOR_API_KEY_COMPUTERS)."
            )
        if value.strip():
            keys[variable] = value.strip()
    return keys


def parse_database_url(raw: str) -> URL:
    """Parse DATABASE_URL, naming the variable and an example when it is unusable."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"DATABASE_URL {raw!r} is not a valid database URL; expected something like "
            "sqlite:///instance/shopdb.db or mysql+pymysql://user:password@host/shopdb."
        ) from None
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigError(
            f"DATABASE_URL uses the unsupported database {url.get_backend_name()!r}; "
            "ShopDB runs on sqlite, mysql/mariadb and postgresql."
        )
    return url


def load_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask configuration from the environment, then apply overrides.

    Overrides win over the environment; tests pass them to stay independent of
    the machine's variables.
    """
    overrides = dict(overrides or {})
    environ = {**os.environ, **{k: str(v) for k, v in overrides.items() if isinstance(v, str)}}

    env_name = environ.get("SHOPDB_ENV", "development").strip().lower() or "development"
    if env_name not in ENVIRONMENTS:
        raise ConfigError(f"SHOPDB_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env_name!r}.")
    production = env_name == "production"
    development = env_name == "development"

    instance_path = Path(environ.get("SHOPDB_INSTANCE_PATH") or "instance").expanduser()
    instance_path = instance_path.absolute()

    raw_url = environ.get("DATABASE_URL", "").strip()
    if not raw_url and not production:
        raw_url = f"sqlite:///{instance_path / 'shopdb.db'}"

    config: dict[str, Any] = {
        "SHOPDB_ENV": env_name,
        "SHOPDB_INSTANCE_PATH": str(instance_path),
        "DATABASE_URL": raw_url,
        "SECRET_KEY": environ.get("SECRET_KEY") or ("" if production else DEVELOPMENT_SECRET_KEY),
        "JWT_SECRET_KEY": environ.get("JWT_SECRET_KEY")
        or ("" if production else DEVELOPMENT_JWT_SECRET_KEY),
        "CORS_ORIGINS": [
            origin.strip()
            for origin in environ.get("CORS_ORIGINS", "").split(",")
            if origin.strip()
        ],
        "DEBUG": parse_bool("SHOPDB_DEBUG", environ.get("SHOPDB_DEBUG", "false")),
        "TESTING": env_name == "testing",
        "SESSION_COOKIE_SECURE": parse_bool(
            "SHOPDB_COOKIE_SECURE",
            environ.get("SHOPDB_COOKIE_SECURE", "false" if development else "true"),
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SHOPDB_TRUSTED_PROXIES": parse_int(
            "SHOPDB_TRUSTED_PROXIES", environ.get("SHOPDB_TRUSTED_PROXIES", "0"), minimum=0
        ),
        "MAX_CONTENT_LENGTH": parse_int(
            "SHOPDB_MAX_REQUEST_BYTES", environ.get("SHOPDB_MAX_REQUEST_BYTES", "1048576")
        ),
        "SHOPDB_LOG_LEVEL": parse_choice(
            "SHOPDB_LOG_LEVEL", environ.get("SHOPDB_LOG_LEVEL", "INFO"), LOG_LEVELS
        ),
        "SHOPDB_ACCESS_TOKEN_MINUTES": parse_int(
            "SHOPDB_ACCESS_TOKEN_MINUTES", environ.get("SHOPDB_ACCESS_TOKEN_MINUTES", "15")
        ),
        "SHOPDB_REFRESH_TOKEN_DAYS": parse_int(
            "SHOPDB_REFRESH_TOKEN_DAYS", environ.get("SHOPDB_REFRESH_TOKEN_DAYS", "7")
        ),
        "SHOPDB_RATELIMIT_STORAGE_URL": environ.get("SHOPDB_RATELIMIT_STORAGE_URL", "").strip()
        or "memory://",
        "SHOPDB_LOGIN_RATE_LIMIT": parse_rate_limit(
            "SHOPDB_LOGIN_RATE_LIMIT", environ.get("SHOPDB_LOGIN_RATE_LIMIT", "10 per minute")
        ),
        "SHOPDB_PLUGIN_PATHS": parse_paths(environ.get("SHOPDB_PLUGIN_PATHS", "")),
        "SHOPDB_PLUGIN_ERRORS": parse_choice(
            "SHOPDB_PLUGIN_ERRORS",
            environ.get("SHOPDB_PLUGIN_ERRORS", "skip" if production else "raise"),
            PLUGIN_ERROR_MODES,
        ).lower(),
        "COLLECTOR_API_KEYS": parse_collector_keys(environ),
        "SHOPDB_COLLECTOR_BATCH_LIMIT": parse_int(
            "SHOPDB_COLLECTOR_BATCH_LIMIT", environ.get("SHOPDB_COLLECTOR_BATCH_LIMIT", "500")
        ),
    }
    # String overrides were parsed above like environment variables; other
    # values (tests pass booleans and lists) replace the parsed setting.
    config.update({key: value for key, value in overrides.items() if not isinstance(value, str)})
    config.update({key: value for key, value in overrides.items() if key not in config})
    for key, value in authentication_settings(config).items():
        config.setdefault(key, value)

    if config["DATABASE_URL"]:
        parse_database_url(config["DATABASE_URL"])
    return config


def authentication_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Flask-JWT-Extended and Flask-Limiter settings derived from ShopDB's own.

    JWT cookies are Secure exactly when the session cookie is; the refresh
    cookie only travels to the auth endpoints that use it; the CSRF cookies
    are readable by scripts for the double-submit check on cookie writes.
    """
    return {
        "JWT_TOKEN_LOCATION": ["headers", "cookies"],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=config["SHOPDB_ACCESS_TOKEN_MINUTES"]),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=config["SHOPDB_REFRESH_TOKEN_DAYS"]),
        "JWT_COOKIE_SECURE": bool(config["SESSION_COOKIE_SECURE"]),
        "JWT_COOKIE_SAMESITE": "Lax",
        "JWT_COOKIE_CSRF_PROTECT": True,
        "JWT_CSRF_IN_COOKIES": True,
        # The web UI's forms send the CSRF value as the field csrf_token
        # (the header X-CSRF-TOKEN is checked first, as for scripts).
        "JWT_CSRF_CHECK_FORM": True,
        "JWT_CSRF_REQUEST_FORM_ACCESS_FIELD_NAME": "csrf_token",
        "JWT_ACCESS_COOKIE_NAME": "shopdb_access",
        "JWT_REFRESH_COOKIE_NAME": "shopdb_refresh",
        "JWT_ACCESS_CSRF_COOKIE_NAME": "shopdb_csrf_access",
        "JWT_REFRESH_CSRF_COOKIE_NAME": "shopdb_csrf_refresh",
        "JWT_ACCESS_COOKIE_PATH": "/",
        "JWT_REFRESH_COOKIE_PATH": "/api/auth/",
        "RATELIMIT_STORAGE_URI": config["SHOPDB_RATELIMIT_STORAGE_URL"],
        "RATELIMIT_HEADERS_ENABLED": True,
        # Flask-Limiter would put the window's reset in Retry-After on every
        # reply, a 200 or a 503 too; Retry-After is set where a wait is asked
        # (429, 503) and the window's reset goes in a header of its own.
        "RATELIMIT_HEADER_RETRY_AFTER": "X-RateLimit-Retry-After",
    }


def secret_weakness(value: str) -> str | None:
    """Why a secret could be guessed, or None: a known default, too short, a
    known phrase in it, too few different characters, a repeated piece."""
    if value in KNOWN_DEFAULT_SECRETS:
        return "is a known default value; generate a new random one"
    if len(value) < MINIMUM_SECRET_LENGTH:
        return f"is shorter than {MINIMUM_SECRET_LENGTH} characters"
    folded = re.sub(r"[^a-z0-9]", "", value.lower())
    phrase = next((phrase for phrase in KNOWN_PHRASES if phrase in folded), None)
    if phrase is not None:
        return f"contains the guessable phrase {phrase!r}"
    distinct = len(set(value))
    if distinct < MINIMUM_DISTINCT_CHARACTERS:
        return f"has only {distinct} different characters"
    period = _period(value)
    if period is not None:
        return f"repeats a piece of {period} characters"
    counts = [value.count(character) for character in set(value)]
    spread = -sum(count * math.log2(count / len(value)) for count in counts)
    if spread < MINIMUM_SPREAD_BITS:
        return f"is too predictable ({spread:.0f} bits of spread, {MINIMUM_SPREAD_BITS} needed)"
    return None


def _period(value: str) -> int | None:
    """The length of a piece that `value` repeats (at least twice), or None."""
    for length in range(1, len(value) // 2 + 1):
        if all(value[index] == value[index - length] for index in range(length, len(value))):
            return length
    return None


def _secret_problem(name: str, value: str) -> str | None:
    weakness = secret_weakness(value)
    if weakness is None:
        return None
    return f"{name} {weakness}; make a random one with: {MAKE_A_SECRET}"


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """Everything that makes a configuration unsafe for production, in one list."""
    problems = []
    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = config.get(name) or ""
        problem = f"{name} is not set" if not value else _secret_problem(name, value)
        if problem:
            problems.append(problem)
    if config.get("SECRET_KEY") and config.get("SECRET_KEY") == config.get("JWT_SECRET_KEY"):
        problems.append("SECRET_KEY and JWT_SECRET_KEY must differ")
    if not config.get("DATABASE_URL"):
        problems.append("DATABASE_URL is not set")
    if "*" in config.get("CORS_ORIGINS", []):
        problems.append("CORS_ORIGINS allows every origin ('*'); list the allowed origins")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SHOPDB_COOKIE_SECURE is off; cookies must be Secure behind TLS")
    if config.get("DEBUG"):
        problems.append("SHOPDB_DEBUG is on; debug mode must be off in production")
    for name, key in sorted(config.get("COLLECTOR_API_KEYS", {}).items()):
        problem = _secret_problem(name, key)
        if problem:
            problems.append(problem)
    return problems


def validate(config: Mapping[str, Any]) -> None:
    """Raise ConfigError naming every problem when production settings are unsafe."""
    if config["SHOPDB_ENV"] != "production":
        return
    problems = production_problems(config)
    if problems:
        listed = "; ".join(f"({number}) {text}" for number, text in enumerate(problems, 1))
        raise ConfigError(f"ShopDB refuses to start in production: {listed}.")


def is_sqlite(config: Mapping[str, Any]) -> bool:
    return make_url(config["DATABASE_URL"]).get_backend_name() == "sqlite"
