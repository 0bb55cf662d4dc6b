"""The local platform stack: PostgreSQL, Redis, S3-compatible storage and Meilisearch.

Two backends bring it up: ``docker`` (the docker SDK over the rendered docker-compose.yml) and
``native`` (real server processes with their data under ``.avion/``). Both end at the same
readiness probes, provisioning (roles, databases, ACL users, buckets) and status document.
"""
