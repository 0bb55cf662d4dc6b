"""CI/CD: the pipeline definition, the affected-services mapping, the workflow policy, the gate
and the security scans. Workflows are rendered by :mod:`avion_workspace.render.workflows`."""
