"""The cleaned codebook: each variable's counts in the derived data, as JSON-ready data and for reading."""

from __future__ import annotations

from pathlib import Path

from import_frames import raw_frame

from swsurvey.stages.cleaned_codebook import build_codebook, codebook_markdown
from swsurvey.stages.derivation import derive_variables
from swsurvey.stages.imported_wave import ImportedWave


def test_the_codebook_counts_levels_and_reasons_of_the_derived_data(instrument, spec):
    frame = raw_frame(instrument, [{"Q5": 1}, {"Q5": 1}, {"Q5": 99}])
    _, derived = derive_variables(frame, spec, instrument)
    provenance = {"stage": "import", "synthetic": False, "source": "x.sav", "source_sha256": "0" * 64}
    imported = ImportedWave(frame=frame, provenance=provenance, path=Path("x.parquet"))
    book = build_codebook(derived, spec, instrument, wave="test", imported=imported)
    assert "notice" not in book and book["n"] == 3 and book["source"]["source"] == "x.sav"
    age = next(v for v in book["variables"] if v["name"] == "age_group")
    assert age["levels"][0] == {"label": "Under 30", "n": 2}
    assert age["n_missing"] == 1 and age["missing"]["prefer not to say"] == 1
    md = codebook_markdown(book)
    assert md.startswith("# Codebook of the analysis variables, wave test\n")
    assert "| Under 30 | 2 |" in md and "## Replicate weights" not in md
