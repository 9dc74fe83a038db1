"""One module per workflow stage, each a composition of the layers below.

import (:mod:`.export_check`, :mod:`.importing`), clean (:mod:`.cleaning`, composing
:mod:`.imported_wave`, :mod:`.conditions`, :mod:`.exclusions`, :mod:`.derivation`,
:mod:`.carry_replicates` and :mod:`.cleaned_codebook`), weight (:mod:`.weighting`,
:mod:`.weighting_effect`), describe (:mod:`.describe`,
:mod:`.describe_replicates`), infer (:mod:`.infer`, :mod:`.infer_replicates`), crosswave
(:mod:`.crosswave`), figures (:mod:`.figures`, :mod:`.study_figures`), report
(:mod:`.report_text`, :mod:`.published`). Each is called by one thin script under
``scripts/``. Importing this package imports nothing; import the stage you need.
"""
