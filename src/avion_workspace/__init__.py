"""The Avion Phase 0 workspace engine: config, render, infra, migrate and deploy."""

__version__ = "0.1.0"
