"""Reading and writing files: SPSS headers and metadata, codebooks, tables, logs, atomic writes.

Knows file formats, not the study: nothing here imports the study's facts, the stages or the
survey statistics. Importing this package imports nothing; import the module you need.
"""
