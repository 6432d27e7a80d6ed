"""SchemaBot domain objects (applies, tasks, operations, plans, locks) as plain dataclasses."""
