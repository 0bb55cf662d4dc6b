"""Kubernetes cluster checks: is the cluster an environment deploys to there and ready for it?"""
