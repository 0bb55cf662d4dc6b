"""The search service: full-text search over users, drops and communities."""
