"""Domain layer of redrive-console: storage, planner and redrive services (no Textual)."""
