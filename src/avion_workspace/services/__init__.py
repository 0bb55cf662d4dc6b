"""Services: scaffolding new ones into config and the tree, and the per-service tasks."""
