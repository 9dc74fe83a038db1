"""swsurvey: the #socialwork survey analysis pipeline as an importable, tested package.

Each module has one job (see the README's "Package map"); Snakemake's scripts are thin
adapters that call one function from here.
"""

__version__ = "0.1.0"
