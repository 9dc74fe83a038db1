"""The study's facts, read from config and instrument files and stated nowhere else.

The instrument (the raw data contract), the recode specification, the contract between an
export and its instrument, the checks on recodes and cleaned data, the recode spec described
for the codebook, a wave's variance setting and its year. Above :mod:`swsurvey.io` and :mod:`swsurvey.survey`; below the stages. Importing
this package imports nothing; import the module you need.
"""
