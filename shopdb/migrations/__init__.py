"""Alembic environment and the core revision history (branch label `core`).

Plugins add their own version folders and branches beside this one; see
docs/adr/0002-migrations-per-owner.md.
"""
