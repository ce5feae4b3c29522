"""The application factory: configuration, database, blueprints."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import Any

from dotenv import find_dotenv, load_dotenv
from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from shopdb import config as configuration
from shopdb import database
from shopdb.cli import COMMANDS
from shopdb.http import apidocs, auth, headers, health, identity, ratelimit, requestline
from shopdb.http.envelope import register_error_handlers
from shopdb.http.jsonbody import BoundedJSONProvider
from shopdb.plugins import endpoints as plugin_endpoints
from shopdb.plugins import printviews
from shopdb.plugins.commands import plugin_group
from shopdb.plugins.reports import plugin_reports
from shopdb.plugins.runtime import (
    check_resource_names,
    current_runtime,
    start_plugins,
    wire_plugins,
)
from shopdb.plugins.sitecommands import SITE_COMMANDS
from shopdb.resources import init_api
from shopdb.resources.core import CORE_RESOURCES
from shopdb.startup import collector_paused
from shopdb.web import PluginPages
from shopdb.web import init_app as init_web


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a ShopDB application.

    `config` overrides environment variables (tests use it). Production settings
    are validated here, so a bad deployment stops before serving anything.
    """
    with collector_paused():
        return _create_app(config)


def _create_app(config: Mapping[str, Any] | None) -> Flask:
    overrides = dict(config or {})
    if overrides.get("SHOPDB_ENV") != "testing":
        load_dotenv(find_dotenv(usecwd=True), override=False)
    settings = configuration.load_config(overrides)
    configuration.validate(settings)

    app = Flask(
        "shopdb", instance_path=settings["SHOPDB_INSTANCE_PATH"], instance_relative_config=False
    )
    app.json = BoundedJSONProvider(app)
    app.config.update(settings)
    app.logger.setLevel(getattr(logging, settings["SHOPDB_LOG_LEVEL"], logging.INFO))
    if settings["SHOPDB_ENV"] == "production" and configuration.is_sqlite(settings):
        app.logger.warning(
            "ShopDB runs in production on embedded SQLite; that suits a small site with "
            "one server process. Use MySQL/MariaDB or PostgreSQL for more."
        )

    if settings["SHOPDB_TRUSTED_PROXIES"]:
        # Behind a reverse proxy: take the client address and scheme from the
        # X-Forwarded-* headers the given number of proxies set, so audit
        # entries and per-address rate limits see the real client.
        hops = settings["SHOPDB_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask documents this
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    if settings["CORS_ORIGINS"]:
        # Browsers on the listed origins may call the API with credentials;
        # no origin is allowed unless listed (production refuses '*').
        CORS(
            app,
            resources={r"/api/*": {"origins": settings["CORS_ORIGINS"]}},
            supports_credentials=True,
        )
    database.init_app(app)
    for command in (*COMMANDS, plugin_group, *SITE_COMMANDS):
        app.cli.add_command(command)
    register_error_handlers(app)
    requestline.init_app(app)
    identity.init_app(app)
    ratelimit.init_app(app)
    headers.init_app(app)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(apidocs.blueprint)
    plugins = start_plugins(app)
    check_resource_names(plugins, CORE_RESOURCES)
    api = init_api(app, [*CORE_RESOURCES, *plugins.resources])
    auth.init_app(app, api)
    api.register_blueprint(plugin_endpoints.blueprint)
    wire_plugins(app, api)
    printviews.init_app(app)
    init_web(app, _plugin_pages(app), functools.partial(plugin_reports, current_runtime(app)))
    return app


def _plugin_pages(app: Flask) -> list[PluginPages]:
    """What each active plugin gives the web UI (the web layer sits below
    the plugin framework and does not import it)."""
    return [
        PluginPages(
            loaded.name,
            loaded.parts.navigation,
            [resource.name for resource in loaded.parts.resources],
            loaded.plugin.page_banners,
            widgets=loaded.parts.widgets,
            listcolumns=loaded.parts.listcolumns,
            panels=loaded.parts.panels,
        )
        for loaded in current_runtime(app).loaded
    ]
