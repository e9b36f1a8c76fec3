"""Background jobs: rows in the `job` table, executed by Celery (Redis) or an in-process pool.

`queue` (enqueue, after-commit dispatch) is what the rest of the application uses;
`registry` maps job kinds to handlers; `execution` runs one job under a lease; `handlers`
are the thin job functions over services; `setup` picks the runner at start-up.
"""
