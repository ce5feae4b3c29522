"""ShopDB: a per-site asset database for manufacturing shop floors.

`create_app` is resolved lazily so that importing a light module such as
`shopdb.models` does not pull in Flask blueprints and the CLI; a server
(`gunicorn 'shopdb:create_app()'`) imports it here with the garbage
collector held (`shopdb.startup`).
"""

from typing import Any

from shopdb.version import __contract_version__, __version__

__all__ = ["__contract_version__", "__version__", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from shopdb.startup import collector_paused

        with collector_paused():
            from shopdb.app import create_app

        return create_app
    raise AttributeError(f"module 'shopdb' has no attribute {name!r}")
