"""Operations: the server entry point and what runs around it (observability, readiness,
replicas, backup, rule-file watch, token and migration commands, the engine probe
child). Knows nothing of rule semantics."""
