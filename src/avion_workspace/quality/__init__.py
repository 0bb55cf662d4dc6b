"""Quality gates over the workspace's own code (mutation testing of the libraries)."""
