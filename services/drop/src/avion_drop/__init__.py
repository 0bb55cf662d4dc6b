"""The drop service: drops (posts) and reactions."""
