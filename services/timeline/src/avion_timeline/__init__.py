"""The timeline service: home and user timelines."""
