"""Where every output came from: job records, the run's manifest, its RO-Crate, audit, lineage.

Read with the workflow (standard library only at module level): :mod:`.code` (the code a rule
runs, and its hashes) and :mod:`.settings` (the config key each setting comes from), on
:mod:`.paths` (paths relative to the checkout) and :mod:`.documents` (canonical JSON, its
hash, reading a document). Run by the jobs: :mod:`.records` writes each job's record, with
:mod:`.environment` (software versions, git state). Over a finished run: :mod:`.manifest`
gathers the records; :mod:`.crate` writes the gathered run as a Workflow Run RO-Crate;
:mod:`.run_outputs` writes both for rule ``manifest``; :mod:`.audit` checks a run against its
manifest; :mod:`.lineage` explains one output. Importing this package imports nothing; import
the module you need.
"""
