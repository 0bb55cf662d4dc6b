"""Invoke entry point: builds the root collection from the engine's task modules.

Task modules import only invoke at module level, so ``inv --list`` stays fast; the engine is
imported inside each task body.
"""

from avion_workspace.tasks import build_namespace

ns = build_namespace()
