"""The auth service: sign-up, login, sessions and tokens."""
