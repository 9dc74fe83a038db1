"""Where every output came from: job records, the run's manifest, its RO-Crate, audit, lineage.

:mod:`.records` writes each job's record and lists the code a rule runs (read when the
workflow is read, so it imports nothing heavy at module level); :mod:`.manifest` gathers the
records; :mod:`.crate` writes them as a Workflow Run RO-Crate; :mod:`.audit` checks a run
against its manifest; :mod:`.lineage` explains one output. Importing this package imports
nothing; import the module you need.
"""
