"""The documentation site: API reference pages from the libraries, and the docstring rule."""
