"""Kubernetes delivery: check the rendered charts with the real tools, plan and run deploys."""
