"""Everything SpiffWorkflow: `engine/` is the pure engine layer (parse, validate, sandbox,
serialize); the modules beside it bind it to the database (deployment, runtime, locking,
human-task table, operators)."""
