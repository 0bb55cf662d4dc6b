"""The community service: communities and memberships."""
