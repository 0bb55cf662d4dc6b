"""The workspace's side of migrations: which targets, ``create``, ``fix``, reports, the commands.

The goose-compatible engine itself (parser, source, plan, store, runner) is the ``avion_migrate``
library (libs/migrate), which service images also run.
"""
