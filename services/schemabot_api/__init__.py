"""A typed client for SchemaBot's HTTP API, and the recovery it enables: a fresh apply.

``client`` talks HTTP; ``wire`` holds the request and response shapes with upstream's JSON
field names; ``endpoint`` resolves the server and its Bearer token the way SchemaBot's own CLI
does; ``remote_plan`` turns the server's plan into the console's ``Plan``; ``resubmit`` and
``watch`` are the fresh apply and the following of its progress.
"""
