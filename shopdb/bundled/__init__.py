"""Bundled plugins live here, one folder each, written only against `shopdb.api`.

The core must never import this package; an import-linter contract in the test
suite enforces that.
"""
