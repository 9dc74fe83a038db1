"""The inferential stage split into jobs: replicate chunks, the tests, each model, the gather.

Real files throughout: the stored synthetic 2017 wave, weighted, written as the weighting
stage writes it; the split entry points must give the bytes the one-process
:func:`swsurvey.stages.infer.infer_wave` gives, whatever the chunking.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from testconfig import base_config
from weighted_data import write_weighted

from swsurvey.errors import InputError
from swsurvey.stages.country_tests import infer_tests
from swsurvey.stages.gather_models import gather_models
from swsurvey.stages.infer import infer_wave
from swsurvey.stages.infer_chunks import gather
from swsurvey.stages.infer_replicates import infer_replicate_chunk
from swsurvey.stages.models import infer_model

ITEMS = ["any_ict_use", "initiator", "talk_peers"]
#: The study's models, as config.yaml states them.
DEFAULT_MODELS = base_config()["infer"]["models"]
VARIANCE = {"method": "bootstrap", "replicates": 12, "seed": 8, "chunk": 5}


@pytest.fixture(scope="module")
def source(weighted_2017, tmp_path_factory):
    path = tmp_path_factory.mktemp("weighted") / "responses.parquet"
    write_weighted(weighted_2017, path)
    return path


def chunks(source, folder, variance):
    folder.mkdir(exist_ok=True)
    n = -(-variance["replicates"] // variance["chunk"])
    paths = [(folder / f"chunk_{c}.npy", folder / f"chunk_{c}.json") for c in range(n)]
    for c, (npy, layout) in enumerate(paths):
        infer_replicate_chunk(source, npy, layout, chunk=c, items=ITEMS, models=DEFAULT_MODELS, stratum="country",
                              variance=variance)  # fmt: skip
    return [p for p, _ in paths], [q for _, q in paths]


def split_run(source, folder, variance):
    """The workflow's jobs, in one process: chunks, tests, each model, the gather."""
    npys, layouts = chunks(source, folder, variance) if variance["method"] != "linearization" else ([], [])
    infer_tests(source, folder / "tests.csv", wave="2017", items=ITEMS, stratum="country", variance=variance,
                replicate_chunks=npys, replicate_layouts=layouts)  # fmt: skip
    per_model = {kind: [] for kind in ("coefficients", "terms", "status")}
    for name, spec in DEFAULT_MODELS.items():
        outs = {kind: folder / f"{name}_{kind}.csv" for kind in per_model}
        infer_model(source, outs["coefficients"], outs["terms"], outs["status"], wave="2017", model=name, spec=spec,
                    stratum="country", variance=variance, replicate_chunks=npys, replicate_layouts=layouts)  # fmt: skip
        for kind in per_model:
            per_model[kind].append(outs[kind])
    gathered = [folder / f"{kind}.csv" for kind in per_model]
    gather_models(per_model["coefficients"], per_model["terms"], per_model["status"], *gathered)
    return [(folder / "tests.csv").read_bytes()] + [p.read_bytes() for p in gathered]


def one_process(source, folder, variance):
    folder.mkdir(exist_ok=True)
    outs = [folder / f"{n}.csv" for n in ("tests", "coefficients", "terms", "status")]
    infer_wave(source, *outs, wave="2017", items=ITEMS, models=DEFAULT_MODELS, stratum="country", variance=variance)
    return [p.read_bytes() for p in outs]


@pytest.mark.parametrize("variance", [{"method": "linearization"}, VARIANCE])
def test_jobs_give_the_bytes_of_one_process(source, tmp_path, variance):
    assert split_run(source, tmp_path / "split", variance) == one_process(source, tmp_path / "one", variance)


def test_the_same_bytes_whatever_the_chunking(source, tmp_path):
    five = split_run(source, tmp_path / "five", VARIANCE)
    assert split_run(source, tmp_path / "all", {**VARIANCE, "chunk": 12}) == five
    assert b"bootstrap" in five[1] and b"12 replicates" in five[0]


def test_a_chunk_holds_every_test_and_model_side_by_side(source, tmp_path):
    npys, layouts = chunks(source, tmp_path / "c", VARIANCE)
    layout = json.loads(layouts[0].read_text())
    assert [part["key"] for part in layout["statistics"]] == [f"test:{i}" for i in ITEMS] + [
        f"model:{m}" for m in DEFAULT_MODELS
    ]
    assert layout["replicates"] == [0, 5] and layout["n_replicates"] == 12
    gathered = gather(npys, layouts)
    assert all(values.shape[0] == 12 for values in gathered.values())
    assert np.load(npys[0]).shape == (5, sum(part["columns"] for part in layout["statistics"]))


def test_gathering_checks_the_chunks(source, tmp_path):
    npys, layouts = chunks(source, tmp_path / "c", VARIANCE)
    with pytest.raises(InputError, match="holds? 10 of 12 replicates"):
        gather(npys[:2], layouts[:2])
    with pytest.raises(InputError, match="starts at replicate 5, expected 0"):
        gather(npys[1:], layouts[1:])
    other = json.loads(layouts[2].read_text())
    other["statistics"] = other["statistics"][1:]
    layouts[2].write_text(json.dumps(other))
    with pytest.raises(InputError, match="different tests, models or designs") as err:
        gather(npys, layouts)
    assert "chunk_2.json" in str(err.value)
    with pytest.raises(InputError, match="3 replicate chunks but 2 layouts"):
        gather(npys, layouts[:2])


def test_replicates_of_another_design_are_refused(source, tmp_path):
    npys, layouts = chunks(source, tmp_path / "c", VARIANCE)
    with pytest.raises(InputError, match="not the wave's .*20 replicates") as err:
        infer_tests(source, tmp_path / "t.csv", wave="2017", items=ITEMS, stratum="country",
                    variance={**VARIANCE, "replicates": 20}, replicate_chunks=npys, replicate_layouts=layouts)  # fmt: skip
    assert "chunk_0.json" in str(err.value) and not (tmp_path / "t.csv").exists()
