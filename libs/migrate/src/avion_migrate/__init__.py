"""Goose-compatible PostgreSQL migrations: parse goose SQL files, keep goose's version table.

parser (pure) → source (files, versions) → plan (pure decisions) → store (goose_db_version,
checksums, lock) → runner (one transaction per file). Depends only on psycopg, so a service image
runs its own migrations with it (``python -m avion_<name> migrate``).
"""
