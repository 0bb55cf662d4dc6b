"""The system-admin service: administration, audit log and platform settings."""
