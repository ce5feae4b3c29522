"""The web UI: server-rendered pages built from the same resource
declarations as the REST API, beside it in the layers. Its views take the
shape of `shopdb.resources.endpoints.ResourceViews` (a verb made of named
steps) and write only through `Resource.save`/`Resource.delete` inside a unit
of work (`shopdb.services.unitofwork`), as the REST views, the collectors and
the `shopdb record` commands do. It may import `shopdb.resources` and below,
never `shopdb.cli` or `shopdb.plugins` (the import-linter contract says so).
"""

from shopdb.web.site import PluginPages, init_app

__all__ = ["PluginPages", "init_app"]
