"""`shopdb run`: serve ShopDB with the development server after checking that
the database is ready and the port is free."""

from __future__ import annotations

import errno
import socket

import click
from flask.cli import ScriptInfo
from werkzeug.serving import run_simple

from shopdb.cli.support import FriendlyCommand
from shopdb.database import get_database
from shopdb.errors import ShopDBError
from shopdb.services.migrations import require_current_schema


def ensure_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ShopDBError(
                    f"Port {port} on {host} is already in use; stop the program using it "
                    "or choose another port with --port."
                ) from None
            raise ShopDBError(f"Cannot listen on {host}:{port}: {error.strerror}.") from None


@click.command("run", cls=FriendlyCommand)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def run_command(ctx: click.Context, host: str, port: int) -> None:
    """Serve ShopDB (development server; use gunicorn in production)."""
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        require_current_schema(get_database().engine)
    ensure_port_free(host, port)
    click.echo(f"ShopDB is serving on http://{host}:{port}/ (press Ctrl-C to stop).")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=app.debug)
