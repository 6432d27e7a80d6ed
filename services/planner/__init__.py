"""Re-planning a desired schema against a current one, in SchemaBot/Spirit's DDL format."""
