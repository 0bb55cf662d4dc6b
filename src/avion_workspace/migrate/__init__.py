"""Goose-compatible PostgreSQL migrations: parse goose SQL files, keep goose's version table.

parser (pure) → source (files, versions) → plan (pure decisions) → store (goose_db_version,
checksums, lock) → runner (one transaction per file) → commands (what ``inv migrate.*`` runs).
"""
