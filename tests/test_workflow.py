"""Real Snakemake runs: formatting, lint, a run on small synthetic data, a rerun that finds
nothing to do, the HTML report, and clean failures on bad config or a bad raw file.

Each run works in a fresh copy of the workflow (Snakefile, workflow/, scripts/, src/, envs/,
data/) in a temporary folder, as a new clone would, with the tests' own config.yaml
(:mod:`testconfig`), never the user's.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml
from study_report_checks import assert_docx_matches_estimates
from testconfig import base_config, write_test_config
from workflow_runs import full_log, job_counts, make_copy, proc_ok, snakemake, swsurvey

from swsurvey.stages.study_figures import FIGURES

pytestmark = pytest.mark.workflow

def small_config(workdir: Path) -> Path:
    """A config whose only wave is a 5% synthetic wave that the workflow generates itself."""
    config = base_config()
    config["synthetic"]["scale"] = 0.05
    config["waves"] = {
        "small": {
            "raw": "results/synthetic/socialwork_synthetic.sav",
            "sha256": None,
            "instrument": "workflow/instruments/socialwork_2017.yaml",
            "recode": "workflow/recode/socialwork_2017.yaml",
        }
    }
    # Written over config.yaml, as a user edits it: a --configfile would be merged into
    # config.yaml's waves rather than replace them.
    return write_test_config(workdir, config)


@pytest.fixture(scope="module")
def small_run(repo_dir, tmp_path_factory):
    """The workflow run once on small synthetic data; later tests inspect the result."""
    workdir = make_copy(repo_dir, tmp_path_factory.mktemp("small"))
    config = small_config(workdir)
    proc = snakemake(workdir, "--configfile", str(config))
    return workdir, config, proc


def test_snakefmt_check_passes(repo_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", "Snakefile", "workflow"],
        cwd=repo_dir,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_lint_finds_nothing(repo_dir, tmp_path):
    workdir = make_copy(repo_dir, tmp_path)
    proc = snakemake(workdir, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Lints for" not in proc.stdout + proc.stderr


def test_small_run_writes_every_output(small_run):
    workdir, _, _ = small_run
    out = workdir / "results" / "small"
    for rel in [
        "import/responses.parquet",
        "import/codebook.json",
        "import/codebook.md",
        "clean/responses.parquet",
        "clean/codebook.json",
        "clean/codebook.md",
        "clean/exclusion_flow.csv",
        "clean/exclusion_flow.md",
        "weight/responses.parquet",
        "weight/diagnostics.csv",
        "weight/margins.csv",
        "weight/margins.png",
        "weight/margins.svg",
        "describe/estimates.csv",
        "describe/tables.md",
        "describe/tables.html",
        "describe/tables.xlsx",
        "describe/weighting_effect.csv",
        "describe/weighting_effect.md",
        "describe/medians.csv",
        "describe/medians.md",
        "infer/country_tests.csv",
        "infer/coefficients.csv",
        "infer/term_tests.csv",
        "infer/model_status.csv",
        "describe/sensitivity.csv",
        "describe/sensitivity_extreme_weights.csv",
        "describe/sensitivity.md",
        "describe/sensitivity.png",
        "describe/sensitivity.svg",
        "report/sensitivity.html",
        *(f"figures/{name}.{ext}" for name in FIGURES for ext in ("png", "svg")),
    ]:
        assert (out / rel).stat().st_size > 0, rel
    clean = pd.read_parquet(out / "clean/responses.parquet")
    assert len(clean) > 100
    assert isinstance(clean["country"].dtype, pd.CategoricalDtype)
    assert "SYNTHETIC" in (out / "clean/exclusion_flow.md").read_text()
    weighted = pd.read_parquet(out / "weight/responses.parquet")
    assert len(weighted) == len(clean) and (weighted["weight"] > 0).all()
    for log in ["logs/small/import.log", "logs/small/clean.log", "logs/small/weight.log"]:
        assert (workdir / log).exists()


def test_personal_data_stays_in_the_import_stage(small_run, instrument_2017):
    workdir, _, _ = small_run
    imported = pd.read_parquet(workdir / "results/small/import/responses.parquet")
    for name in instrument_2017.personal_names:
        assert name not in imported.columns
    assert "ResponseId_pseudonym" in imported.columns
    key = (workdir / ".secrets/pseudonym.key").read_text().strip()
    for path in (workdir / "results" / "small").rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_every_rule_declares_its_resources_and_benchmark(repo_dir):
    """What a scheduler needs to place each job, and where its time and memory are recorded."""
    import re

    checked = set()
    for path in sorted((repo_dir / "workflow/rules").glob("*.smk")):
        for rule, body in re.findall(r"^rule (\w+):\n((?:    .*\n|\n)+)", path.read_text(), flags=re.M):
            checked.add(rule)
            resources = re.search(r"^    resources:\n((?:        .*\n)+)", body, flags=re.M)
            assert resources, f"{rule} declares no resources"
            assert re.search(r"^        mem_mb=", resources[1], flags=re.M), f"{rule}: no mem_mb"
            assert re.search(r"^        runtime=", resources[1], flags=re.M), f"{rule}: no runtime"
            outputs = body.split("    output:")[1].split("    log:")[0]
            wave = "{wave}/" if "{wave}" in outputs else ""
            name = {"study_figure": f"{rule}_{{figure}}", "describe_replicates": f"{rule}_{{chunk}}",
                    "infer_replicates": f"{rule}_{{chunk}}", "infer_model": f"{rule}_{{model}}"}.get(rule, rule)
            assert f'    benchmark:\n        "benchmarks/{wave}{name}.tsv"' in body, rule
            assert re.search(r"^    threads: 1$", body, flags=re.M), f"{rule} declares no threads"
    assert {"synthetic_wave", "import_wave", "study_figure", "report_text", "manifest", "infer_model"} <= checked


def test_every_job_writes_its_benchmark(small_run):
    """benchmarks/<wave>/<rule>.tsv (study_figure_<figure>.tsv for a figure), and
    benchmarks/<rule>.tsv for a job of no single wave: where the stages' time and memory are read."""
    workdir, _, proc = small_run
    expected = set()
    for rule in job_counts(full_log(workdir, proc)):
        if rule == "study_figure":
            expected |= {f"small/study_figure_{figure}.tsv" for figure in FIGURES}
        elif rule == "infer_model":
            expected |= {f"small/infer_model_{model}.tsv" for model in ("weekly_use", "frequency", "supervision")}
        elif rule in {"synthetic_wave", "crosswave_changes", "crosswave_figure", "report_text", "study_report",
                      "manifest"}:
            expected.add(f"{rule}.tsv")
        elif rule != "all":
            expected.add(f"small/{rule}.tsv")
    bench = workdir / "benchmarks"
    assert {p.relative_to(bench).as_posix() for p in bench.rglob("*.tsv")} == expected
    for name in expected:
        table = pd.read_csv(bench / name, sep="\t")
        assert len(table) == 1 and table.loc[0, "s"] >= 0 and "max_rss" in table, name


def test_the_console_shows_a_line_per_job_as_it_starts_and_ends_and_a_summary(small_run):
    """The default profile's quiet console (the logger plugin swsurvey): each job's start and
    end, a replicate-free run's summary, and few lines; Snakemake's full log keeps the details."""
    workdir, _, proc = small_run
    log = full_log(workdir, proc)
    jobs = job_counts(log)
    n = sum(jobs.values())
    lines = (proc.stdout + proc.stderr).splitlines()
    starts = [line.split()[3 if line.startswith("[ ") else 2] for line in lines if re.match(r"\[ *\d+/\d+\] start ", line)]
    ends = [line for line in lines if re.match(rf"\[ *\d+/{n}\] done  \w+.*  \d+\.\d s$", line)]
    assert Counter(starts) == jobs and len(ends) == n, lines
    assert "  wave=small  figure=exclusion_flow  " in "\n".join(ends)
    summary = [line for line in lines if line.startswith("Done: ")]
    assert summary == [f"Done: {n} jobs in {summary[0].split()[4]} s. Outputs in results/; HTML report: snakemake "
                       "--workflow-profile workflow/profiles/default --report report.html"], summary
    assert len(lines) <= 2 * n + 10, lines
    assert "Job stats:" not in proc.stderr and "rule weight_wave:" in log and "wildcards: wave=small" in log


def test_second_run_finds_nothing_to_do(small_run):
    workdir, config, _ = small_run
    proc = snakemake(workdir, "--configfile", str(config), "--dry-run")
    assert "Nothing to be done" in proc.stdout + proc.stderr
    proc = snakemake(workdir, "--configfile", str(config))  # the console says so in a line
    lines = proc.stderr.splitlines()  # before it, Snakemake's notes on the profile and the --configfile
    assert lines[-1] == ("Nothing to be done: the outputs in results/ are up to date. HTML report: snakemake "
                         "--workflow-profile workflow/profiles/default --report report.html") and len(lines) <= 3, lines


def test_the_weighting_sensitivity_panel_is_in_its_page_and_the_study_report(small_run):
    """Every scheme's headline results, the sentence of what moved and the extreme weights, in the
    wave's page and in both formats of the study report."""
    import html

    import docx

    from swsurvey.stages.sensitivity_flags import moved_sentence

    workdir, config, _ = small_run
    out = workdir / "results"
    results = pd.read_csv(out / "small/describe/sensitivity.csv", keep_default_na=False, na_values=[""])
    schemes = yaml.safe_load(config.read_text())["sensitivity"]["schemes"]
    assert list(dict.fromkeys(results["scheme"])) == ["main", *schemes]
    assert list(schemes) == ["unweighted", "joint", "trimmed_5", "poststratified"]
    assert {"estimate", "country_test", "model_term"} <= set(results["kind"])
    assert (results.loc[results["scheme"] == "main", "moved"].astype(str) == "False").all()
    page = (out / "small/report/sensitivity.html").read_text(encoding="utf-8")
    study = (out / "report/study.html").read_text(encoding="utf-8")
    for text in (page, study):
        assert "Headline results under each weighting scheme, wave small" in text
        assert "Extreme weights, Main weighting" in text
        assert all(html.escape(scheme["label"]) in text for scheme in schemes.values())
        assert html.escape(moved_sentence(results)) in text  # what moved, in words
    paragraphs = [p.text for p in docx.Document(out / "report/study.docx").paragraphs]
    start = paragraphs.index("Weighting sensitivity")
    assert paragraphs[start + 1] == moved_sentence(results)
    assert any(p.startswith("Extreme weights, Unweighted: ") for p in paragraphs[start:])


def test_report_is_built(small_run):
    workdir, config, _ = small_run
    snakemake(workdir, "--configfile", str(config), "--report", "report.html")
    html = (workdir / "report.html").read_text(errors="replace")
    assert "socialwork" in html
    # every item opens in the page (a table as rendered HTML, a figure as an image); only the
    # study report's Word file is a download, as a Word file is
    mimes = re.findall(r'"mime_type": "([^"]+)"', html)
    assert mimes.count("text/html") >= 11 and "exclusion_flow.html" in html, mimes
    assert [m for m in mimes if m != "text/html" and not m.startswith("image/")] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"], mimes
    # the banner, and key numbers in captions drawn from this run's results
    assert "SYNTHETIC DATA: wave small" in html
    flow = pd.read_csv(workdir / "results/small/clean/exclusion_flow.csv")
    assert f"Of {flow['Total'].iloc[0]:,} raw responses, {flow['Total'].iloc[-1]:,} are analysed" in html
    effect = pd.read_csv(workdir / "results/small/describe/weighting_effect.csv")
    shown = effect[(effect["domain"] != "not asked") & ~effect["small_base"].astype(bool)].dropna(subset=["shift"])
    largest = shown.loc[shown["shift"].abs().idxmax()]
    assert f"The largest shift is {largest['shift']:+.1f} points" in html
    # Snakemake's bundled JavaScript carries licence headers with e-mail addresses; nothing of
    # ours (captions, pages, tables) adds one.
    assert _emails(html) <= _snakemake_report_emails(), _emails(html) - _snakemake_report_emails()


_LOCAL_PART = re.compile(rb"[A-Za-z0-9._%+-]+$")
_DOMAIN = re.compile(rb"[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _emails(text: str | bytes) -> set[bytes]:
    """The e-mail addresses in a text, found from each '@' outwards (a pattern scanned from every
    position is quadratic in the report's long base64 runs)."""
    data = text.encode() if isinstance(text, str) else text
    found, at = set(), data.find(b"@")
    while at != -1:
        local = _LOCAL_PART.search(data, max(0, at - 64), at)
        domain = _DOMAIN.match(data, at + 1, at + 256)
        if local and domain:
            found.add(data[local.start():domain.end()])
        at = data.find(b"@", at + 1)
    return found


def _snakemake_report_emails() -> set[bytes]:
    """The e-mail addresses in the files Snakemake's HTML report bundles (its templates and
    the JavaScript libraries under snakemake/assets, whose licences name their authors)."""
    import snakemake

    found: set[bytes] = set()
    for path in Path(snakemake.__file__).parent.rglob("*"):
        if path.is_file() and path.suffix != ".pyc":
            found |= _emails(path.read_bytes())
    return found


def test_the_workbook_s_cells_read_back_as_the_estimates(small_run):
    """Every weighted cell of the run's workbook, read back with openpyxl, holds the numbers of
    estimates.csv (%, interval ends, SE, base n) as numbers, under its domain; a suppressed or
    not-asked cell holds its marker and no number."""
    import openpyxl

    from swsurvey.io.tables import WORKBOOK_NUMBERS

    workdir, _, _ = small_run
    estimates = pd.read_csv(workdir / "results/small/describe/estimates.csv", keep_default_na=False, na_values=[""])
    weighted = estimates[estimates["weighting"] == "weighted"]
    book = openpyxl.load_workbook(workdir / "results/small/describe/tables.xlsx")
    checked = 0
    for table, rows in weighted.groupby("table", sort=False):
        (name,) = [n for n in book.sheetnames if book[n]["A1"].value == table]
        cells = list(book[name].iter_rows(values_only=True))
        top = next(i for i, row in enumerate(cells) if row[:2] == ("Variable", "Level"))
        domains = {value: k for k, value in enumerate(cells[top]) if value not in (None, "Variable", "Level")}
        lines = {(row[0], row[1]): row for row in cells[top + 2:]}
        for cell in rows.to_dict("records"):
            line = lines[(cell["variable_label"], cell["level"])]
            first = domains[cell["domain"]]
            got = line[first:first + len(WORKBOOK_NUMBERS)]
            if cell["not_asked"] or cell["small_base"]:
                assert got[0] in ("—", "‡") and set(got[1:]) == {None}, (table, cell)
            else:
                for value, (column, _, _) in zip(got, WORKBOOK_NUMBERS):
                    expected = cell[column]
                    assert (value is None) if pd.isna(expected) else value == pytest.approx(expected, rel=1e-12), (
                        table, cell["variable"], cell["level"], cell["domain"], column, value, expected)
            checked += 1
    assert checked == len(weighted) > 100


def _browser():
    """Debian's Chromium, which the tests drive with playwright (CI installs it: .ci/run).
    Without it the browser checks skip, unless SWSURVEY_REQUIRE_BROWSER is set (CI)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("SWSURVEY_REQUIRE_BROWSER"):
            pytest.fail("headless Chromium is required (SWSURVEY_REQUIRE_BROWSER) but not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def test_the_report_opens_with_its_title_and_banner_in_view(small_run):
    """Opened as a reader opens it, in headless Chromium at two window sizes, the report's front
    page shows its title and the SYNTHETIC DATA banner without scrolling (they once sat 1,570 px
    above the top of the page, out of reach)."""
    from playwright.sync_api import sync_playwright

    workdir, config, _ = small_run
    report = workdir / "report.html"
    if not report.exists():
        snakemake(workdir, "--configfile", str(config), "--report", "report.html")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=_browser(), args=["--no-sandbox"])
        try:
            for width, height in ((1400, 900), (1920, 1080)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(report.as_uri())
                title = page.get_by_text("The #socialwork survey pipeline", exact=True)
                title.wait_for(timeout=30_000)
                banner = page.get_by_text("SYNTHETIC DATA: wave small", exact=False).first
                for name, element in (("title", title), ("banner", banner)):
                    box = element.bounding_box()
                    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (
                        f"{name} out of view at {width}x{height}: {box}"
                    )
                page.close()
        finally:
            browser.close()


def test_the_study_report_s_word_tables_are_the_run_s_estimates(small_run):
    """Read back with python-docx, every weighted percentage of the run's estimates.csv is in the
    study report's Word tables as the tables print it (the main results' unweighted beneath)."""
    workdir, config, _ = small_run
    estimates = pd.read_csv(workdir / "results/small/describe/estimates.csv", keep_default_na=False, na_values=[""],
                            dtype={"wave": str})
    main = yaml.safe_load(config.read_text())["describe"]["main_results"]
    checked = assert_docx_matches_estimates(workdir / "results/report/study.docx", estimates, main)
    assert checked == int((estimates["weighting"] == "weighted").sum())
    page = (workdir / "results/report/study.html").read_text(encoding="utf-8")
    assert 'title="swsurvey explain \'small/T2/any_ict_use/Yes/Canada/weighted\'"' in page
    # every kind of number's id leads back to the raw file (the first few ids of each kind)
    from swsurvey.provenance.lineage import explain_id

    ids = list(dict.fromkeys(html.unescape(i) for i in re.findall(r'data-explain="([^"]+)"', page)))
    kinds: dict[str, list[str]] = {}
    for ident in ids:
        kinds.setdefault(re.sub(r"^T\d+$", "T", ident.split("/")[1]), []).append(ident)
    assert set(kinds) == {"T", "exclusion_flow", "margins", "diagnostics", "medians", "coefficients",
                          "country_tests"}, kinds.keys()
    for ident in (i for found in kinds.values() for i in found[:5]):
        lineage = explain_id(workdir / "results", ident, root=workdir)
        assert lineage.steps[-1].rule == "check_export" or "import_wave" in [s.rule for s in lineage.steps], ident


def test_the_study_report_opens_with_title_and_banner_in_view_its_images_loaded(small_run):
    """study.html in headless Chromium at 1400x900 and 1920x1080: the title and the SYNTHETIC DATA
    banner in view on load, every embedded figure decoded, and no table wider than the window;
    and every page the Snakemake report shows in place (results/<wave>/report/) fits the window."""
    from playwright.sync_api import sync_playwright

    workdir, _, _ = small_run
    pages = sorted((workdir / "results/small/report").glob("*.html"))
    assert len(pages) == 11, pages  # rule report_pages' ten, and the weighting sensitivity page
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=_browser(), args=["--no-sandbox"])
        try:
            for width, height in ((1400, 900), (1920, 1080)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto((workdir / "results/report/study.html").as_uri())
                page.wait_for_load_state("load")
                title = page.get_by_role("heading", level=1)
                banner = page.get_by_text("SYNTHETIC DATA", exact=False).first
                for name, element in (("title", title), ("banner", banner)):
                    box = element.bounding_box()
                    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (name, box)
                images = page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth > 0)")
                assert images and all(images), images
                widths = page.evaluate("[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right)")
                assert widths and max(widths) <= width, widths
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                for path in pages:
                    page.goto(path.as_uri())
                    page.wait_for_load_state("load")
                    assert page.evaluate("document.querySelectorAll('table').length") > 0, path.name
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, (path.name, width)
                page.close()
        finally:
            browser.close()


def test_default_run_on_the_stored_synthetic_wave(repo_dir, tmp_path):
    workdir = make_copy(repo_dir, tmp_path)
    snakemake(workdir)
    flow = pd.read_csv(workdir / "results/2017/clean/exclusion_flow.csv")
    last = flow.iloc[-1]
    assert [last["Canada"], last["United States"], last["Israel"], last["United Kingdom"]] == [
        2609,
        1225,
        386,
        134,
    ]
    published = pd.read_csv(workdir / "results/2017/describe/published.csv")
    assert len(published) == 10 and (published["difference"].abs() <= 2.0).all()
    # the follow-up wave, harmonised, and the changes between the two
    flow = pd.read_csv(workdir / "results/2021/clean/exclusion_flow.csv")
    assert flow.iloc[-1][["Canada", "United States", "Israel", "United Kingdom"]].tolist() == [1512, 806, 247, 103]
    changes = pd.read_csv(workdir / "results/crosswave/changes.csv", dtype={"from_wave": str, "to_wave": str})
    assert set(zip(changes["from_wave"], changes["to_wave"])) == {("2017", "2021")}
    videoconf = changes[changes["variable"] == "freq_videoconf"]
    assert len(videoconf) and (videoconf["status"] == "not asked in 2017").all() and videoconf["change"].isna().all()
    estimates = pd.read_csv(workdir / "results/2017/describe/estimates.csv")
    assert estimates.loc[estimates["variable"] == "freq_videoconf", "not_asked"].all()
    assert proc_ok(swsurvey(workdir, "audit"))


def test_unknown_config_key_stops_the_run_naming_it(repo_dir, tmp_path):
    workdir = make_copy(repo_dir, tmp_path)
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["privacy"]["pseudonymize"] = ["ResponseId"]
    (workdir / "bad.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(workdir, "--configfile", "bad.yaml", "--dry-run", check=False)
    assert proc.returncode != 0
    assert "pseudonymize" in proc.stdout + proc.stderr


def test_a_wave_whose_recode_assumes_another_year_stops_when_the_workflow_is_read(repo_dir, tmp_path):
    """A third wave given the 2021 recode (which computes "Age in 2021") would mislabel every
    age without a word: reading the workflow stops, before any job, with one message."""
    workdir = make_copy(repo_dir, tmp_path)
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["waves"]["2024"] = dict(config["waves"]["2021"])
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    proc = snakemake(workdir, "--dry-run", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "wave 2024: its recode specification workflow/recode/socialwork_2021.yaml assumes the year 2021" in out
    assert "the wave id says 2024" in out
    assert "Traceback" not in out and "Job stats" not in out


def _results_files(workdir: Path) -> list[Path]:
    results = workdir / "results"
    return [p for p in results.rglob("*") if p.is_file()] if results.exists() else []


def test_changed_raw_file_fails_the_import_and_leaves_nothing(repo_dir, tmp_path):
    workdir = make_copy(repo_dir, tmp_path)
    raw = workdir / "data/synthetic/socialwork_2017.sav"
    raw.write_bytes(raw.read_bytes()[:-100])
    proc = snakemake(workdir, "results/2017/import/codebook.json", check=False)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "socialwork_2017.sav" in text and "SHA-256" in text
    assert _results_files(workdir) == []


def test_truncated_raw_file_fails_naming_it_and_leaves_nothing(repo_dir, tmp_path):
    workdir = make_copy(repo_dir, tmp_path)
    raw = workdir / "data/synthetic/socialwork_2017.sav"
    raw.write_bytes(raw.read_bytes()[: raw.stat().st_size // 2])
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["waves"]["2017"]["sha256"] = None
    (workdir / "unchecked.yaml").write_text(yaml.safe_dump(config))
    # Targets go first: --configfile takes every argument after it.
    proc = snakemake(
        workdir, "results/2017/import/codebook.json", "--configfile", "unchecked.yaml", check=False
    )
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "socialwork_2017.sav" in text and "truncated" in text.lower()
    assert _results_files(workdir) == []


def test_changing_one_figure_s_settings_reruns_that_figure_alone(small_run):
    workdir, config, _ = small_run
    path = workdir / "one_figure.yaml"  # merged over config.yaml: only this setting changes
    path.write_text(yaml.safe_dump({"figures": {"frequency_by_channel": {"domain": "Canada"}}}))
    proc = snakemake(workdir, "--configfile", str(path), "--dry-run")
    text = proc.stdout + proc.stderr
    # the figure, the study report that shows it, and the run's manifest that records it
    assert job_counts(text) == {"study_figure": 1, "study_report": 1, "manifest": 1, "all": 1}, text
    assert "output: results/small/figures/frequency_by_channel.png" in text


def _dry_run_jobs(workdir: Path) -> dict[str, int]:
    text = snakemake(workdir, "--dry-run").stdout
    return {} if "Nothing to be done" in text else job_counts(text)


def test_a_checkout_that_only_touches_files_reruns_nothing(small_run):
    workdir, _, _ = small_run
    later = time.time() + 5
    for path in workdir.rglob("*"):
        if path.is_file() and ".snakemake" not in path.parts:
            os.utime(path, (later, later))
    assert _dry_run_jobs(workdir) == {}


def test_a_raw_file_copied_again_with_the_same_bytes_reruns_nothing(small_run, tmp_path):
    workdir, _, _ = small_run
    raw = workdir / "results/synthetic/socialwork_synthetic.sav"
    shutil.copy(raw, tmp_path / "copy.sav")
    time.sleep(1)
    shutil.copy(tmp_path / "copy.sav", raw)
    assert _dry_run_jobs(workdir) == {}


def test_changed_code_reruns_the_rules_that_run_it_and_their_dependents_only(small_run):
    workdir, _, _ = small_run
    module = workdir / "src/swsurvey/stages/weighting_effect.py"
    original = module.read_bytes()
    try:
        module.write_bytes(original + b"\n# a change of content\n")
        # an edit is newer than the outputs (which an earlier test may have touched into the future)
        newest = max(path.stat().st_mtime for path in (workdir / "results").rglob("*") if path.is_file())
        os.utime(module, (newest + 1, newest + 1))
        jobs = _dry_run_jobs(workdir)
    finally:
        module.write_bytes(original)
    # the rule whose script imports the module, the figure drawn from its output, the report
    # text and the report's page that read it, the study report that shows the figure, and the manifest
    assert jobs == {"weighting_effect": 1, "study_figure": 1, "report_text": 1, "report_pages": 1, "study_report": 1,
                    "manifest": 1, "all": 1}
    assert _dry_run_jobs(workdir) == {}  # the same bytes again: nothing to do


@pytest.mark.parametrize(
    ("estimator", "downstream"),
    [
        # svyolr: only the models use it (rule infer_model, one job per model); then the
        # models' tables gathered, the odds-ratio figure, the report text, the study report and
        # the manifest.
        # The weighting sensitivity panel (rule weighting_sensitivity) fits the models and tests
        # the countries under every scheme: it runs both, and its figure and page follow.
        ("olr", {"gather_models": 1, "study_figure": 1, "report_text": 1, "report_pages": 1, "study_report": 1,
                 "sensitivity_figure": 1, "sensitivity_page": 1, "manifest": 1, "all": 1}),
        # svychisq: only the country tests use it (rule infer_tests), and the sensitivity panel.
        ("chisq", {"report_text": 1, "report_pages": 1, "study_report": 1, "sensitivity_figure": 1,
                   "sensitivity_page": 1, "manifest": 1, "all": 1}),
    ],
)
def test_a_changed_survey_estimator_reruns_only_the_rules_whose_code_uses_it(small_run, estimator, downstream):
    """A rule's code input is the modules its script imports, followed statically, and the
    survey package's __init__ imports nothing: a change to one estimator's module reruns the
    rules that run it (and what is made from their outputs), not every rule that uses the
    survey statistics (describe_wave, weight_wave, the other inferential rule)."""
    workdir, config, _ = small_run
    module = workdir / f"src/swsurvey/survey/{estimator}.py"
    original = module.read_bytes()
    try:
        module.write_bytes(original + b"\n# a change of content\n")
        newest = max(path.stat().st_mtime for path in (workdir / "results").rglob("*") if path.is_file())
        os.utime(module, (newest + 1, newest + 1))
        text = snakemake(workdir, "--dry-run").stdout
    finally:
        module.write_bytes(original)
    jobs = job_counts(text)
    changed_code = {rule for rule, reason in _rerun_reasons(text).items() if f"survey/{estimator}.py" in reason}
    users = {"olr": {"infer_model", "weighting_sensitivity"}, "chisq": {"infer_tests", "weighting_sensitivity"}}[estimator]
    assert changed_code == users, text
    n_models = len(yaml.safe_load(config.read_text())["infer"]["models"])
    runs = {"infer_model": n_models} if estimator == "olr" else {"infer_tests": 1}
    runs["weighting_sensitivity"] = 1
    assert jobs == {**runs, **downstream}, text
    assert _dry_run_jobs(workdir) == {}


def _rerun_reasons(text: str) -> dict[str, str]:
    """Each rule of a dry run and the reasons Snakemake gives for its jobs (joined)."""
    reasons: dict[str, str] = {}
    rule = None
    for line in text.splitlines():
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
        elif line.strip().startswith("reason:") and rule is not None:
            reasons[rule] = reasons.get(rule, "") + line
    return reasons


def test_a_changed_config_value_reruns_the_rules_that_use_it(small_run):
    workdir, config, _ = small_run
    path = workdir / "min_n.yaml"
    path.write_text(yaml.safe_dump({"describe": {"min_n": 11}}))
    text = snakemake(workdir, "--configfile", str(path), "--dry-run").stdout
    assert job_counts(text) == {
        "describe_wave": 1, "describe_medians": 1, "format_tables": 1, "weighting_effect": 1,
        "study_figure": len(FIGURES) - 2, "report_text": 1, "report_pages": 1, "study_report": 1, "manifest": 1,
        "weighting_sensitivity": 1, "sensitivity_figure": 1, "sensitivity_page": 1, "all": 1,
    }, text  # every figure drawn from the estimates (all but the exclusion flow and odds ratios), and the
    # weighting sensitivity panel (its small bases are the same min_n's)


def test_a_changed_variance_method_reruns_the_estimates_not_the_data_stages(small_run):
    workdir, _, _ = small_run
    path = workdir / "variance.yaml"
    variance = {"method": "bootstrap", "replicates": 20, "seed": 1, "chunk": 10}
    path.write_text(yaml.safe_dump({"waves": {"small": {"variance": variance}}}))
    jobs = job_counts(snakemake(workdir, "--configfile", str(path), "--dry-run").stdout)
    assert not {"import_wave", "clean_wave", "weight_wave", "weighting_figure"} & set(jobs), jobs
    assert jobs["describe_replicates"] == jobs["infer_replicates"] == 2, jobs
    assert {"describe_wave", "infer_tests", "infer_model", "gather_models", "report_text", "manifest"} <= set(jobs)


def test_the_audit_passes_on_the_run_and_fails_naming_a_tampered_result(small_run):
    workdir, _, _ = small_run
    proc = swsurvey(workdir, "audit")
    assert proc.returncode == 0 and "no findings" in proc.stdout, proc.stdout + proc.stderr
    tampered = workdir / "results/small/describe/tables.md"
    original = tampered.read_bytes()
    try:
        tampered.write_bytes(original.replace(b"|", b"!", 1))
        proc = swsurvey(workdir, "audit")
    finally:
        tampered.write_bytes(original)
    assert proc.returncode == 1
    assert "results/small/describe/tables.md: modified" in proc.stdout, proc.stdout


def test_explain_traces_a_table_cell_back_to_the_raw_file(small_run):
    workdir, _, _ = small_run
    proc = swsurvey(workdir, "explain", "--wave", "small", "--table", "2. Informal ICT use", "--variable",
                    "any_ict_use", "--level", "Yes", "--domain", "Canada")
    assert proc.returncode == 0, proc.stderr
    for step in ("rule describe_wave", "rule weight_wave", "rule clean_wave", "rule import_wave",
                 "results/synthetic/socialwork_synthetic.sav", "workflow/recode/socialwork_2017.yaml", "targets"):
        assert step in proc.stdout, step
    estimates = pd.read_csv(workdir / "results/small/describe/estimates.csv")
    cell = estimates[(estimates["variable"] == "any_ict_use") & (estimates["level"] == "Yes")
                     & (estimates["domain"] == "Canada") & (estimates["weighting"] == "weighted")].iloc[0]
    assert f"{cell['estimate']:.6f}"[:6] in proc.stdout
    missing = swsurvey(workdir, "explain", "--wave", "small", "--table", "2. Informal ICT use", "--variable",
                       "any_ict_use", "--level", "Perhaps", "--domain", "Canada")
    assert missing.returncode != 0 and "Perhaps" in missing.stderr


def test_every_cell_of_every_table_has_a_lineage(small_run):
    from swsurvey.provenance.lineage import explain

    workdir, _, _ = small_run
    estimates = pd.read_csv(workdir / "results/small/describe/estimates.csv", dtype=str, keep_default_na=False)
    assert estimates["table"].nunique() == 4
    for row in estimates.itertuples(index=False):
        lineage = explain(workdir / "results", "small", table=row.table, variable=row.variable, level=row.level,
                          domain=row.domain, weighting=row.weighting, root=workdir)
        assert lineage.cell["estimate"] == row.estimate
        # back to the job that generated the small synthetic raw file, and the check it passed
        rules = ["describe_wave", "weight_wave", "clean_wave", "import_wave", "synthetic_wave", "check_export"]
        assert [step.rule for step in lineage.steps] == rules


def test_adding_a_wave_runs_its_jobs_and_the_cross_wave_jobs_only(small_run):
    workdir, config, _ = small_run
    before = {p: p.stat().st_mtime_ns for p in (workdir / "results/small").rglob("*") if p.is_file()}
    settings = yaml.safe_load(config.read_text())
    shutil.copy(workdir / "results/synthetic/socialwork_synthetic.sav", workdir / "second.sav")
    settings["waves"]["second"] = {**settings["waves"]["small"], "raw": "second.sav"}
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    proc = snakemake(workdir, "--dry-run")
    dry = proc.stdout + proc.stderr
    runwide = {"report_text", "study_report", "manifest", "all"}
    per_wave = {rule: n for rule, n in job_counts(dry).items()
                if rule not in {"crosswave_changes", "crosswave_figure"} | runwide}
    first = job_counts(full_log(workdir, small_run[2]))
    assert per_wave == {rule: n for rule, n in first.items() if rule not in {"synthetic_wave"} | runwide}, dry
    assert "results/small/" not in "\n".join(l for l in dry.splitlines() if l.strip().startswith("output:"))
    assert {"crosswave_changes", "crosswave_figure", "report_text", "study_report", "manifest"} <= set(job_counts(dry))
    snakemake(workdir)
    after = {p: p.stat().st_mtime_ns for p in (workdir / "results/small").rglob("*") if p.is_file()}
    assert after == before  # the first wave's outputs are not touched
    changes = pd.read_csv(workdir / "results/crosswave/changes.csv", dtype={"from_wave": str, "to_wave": str})
    assert set(zip(changes["from_wave"], changes["to_wave"])) == {("small", "second")}
    assert (changes.loc[changes["status"] == "estimated", "change"].abs() < 1e-9).all()  # the same file twice
    assert (workdir / "results/crosswave/changes.png").stat().st_size > 0


def test_a_third_wave_adds_the_trend_rules_their_outputs_and_the_report_section(small_run):
    """With two waves the trend rules do not exist (the two-wave run is unchanged); a third wave
    adds them: the trend table, its figure, their captions and the study report's section."""
    workdir, config, _ = small_run
    settings = yaml.safe_load(config.read_text())
    second = workdir / "second.sav"
    if not second.exists():
        shutil.copy(workdir / "results/synthetic/socialwork_synthetic.sav", second)
    settings["waves"]["second"] = {**settings["waves"]["small"], "raw": "second.sav"}
    settings["waves"].pop("third", None)
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    assert "crosswave_trend" not in snakemake(workdir, "--list-rules").stdout
    settings["waves"]["third"] = {**settings["waves"]["small"], "raw": "second.sav"}
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    assert {"crosswave_trend", "trend_figure"} <= set(snakemake(workdir, "--list-rules").stdout.split())
    snakemake(workdir)
    trend = pd.read_csv(workdir / "results/crosswave/trend.csv", dtype={"waves": str, "times": str})
    estimated = trend[trend["status"] == "estimated"]
    assert len(estimated) and (estimated["waves"] == "small; second; third").all()
    assert (estimated["slope"].abs() < 1e-9).all()  # the same file three times
    assert "place of the wave" in trend["time_basis"].iloc[0]  # the ids name no year
    import matplotlib.image

    assert matplotlib.image.imread(workdir / "results/crosswave/trend.png").shape[0] > 500
    for caption in ("trend.rst", "trend_figure.rst"):
        assert "linear trend" in (workdir / "results/report/captions" / caption).read_text()
    page = (workdir / "results/report/study.html").read_text()
    assert "Trends across waves" in page and "crosswave/trend/any_ict_use/Yes/" in page
    assert "results/crosswave/trend.csv" in (workdir / "results/manifest.json").read_text()


def test_bootstrap_variance_is_split_into_jobs_with_the_same_bytes_whatever_the_chunking(repo_dir, tmp_path):
    """The tables' and the tests' and models' replicates in chunk jobs, the tests and each model
    in a job of their own: the same bytes with 3 chunks or 1, and as one process computes them."""
    from swsurvey.stages.infer import infer_wave

    workdir = make_copy(repo_dir, tmp_path)
    config = small_config(workdir)
    settings = yaml.safe_load(config.read_text())
    infer = ["country_tests", "coefficients", "term_tests", "model_status"]
    targets = ["results/small/describe/estimates.csv", *(f"results/small/infer/{name}.csv" for name in infer)]
    variance = {"method": "bootstrap", "replicates": 30, "seed": 3}
    digests = []
    for chunk, jobs in ((10, 3), (30, 1)):
        settings["waves"]["small"]["variance"] = {**variance, "chunk": chunk}
        config.write_text(yaml.safe_dump(settings, sort_keys=False))
        proc = snakemake(workdir, *targets)
        counts = job_counts(full_log(workdir, proc))
        assert counts["describe_replicates"] == counts["infer_replicates"] == jobs, counts
        assert counts["infer_model"] == len(settings["infer"]["models"]) and counts["infer_tests"] == 1
        digests.append([(workdir / target).read_bytes() for target in targets])
    assert digests[0] == digests[1]
    alone = [tmp_path / f"alone_{name}.csv" for name in infer]
    # the wave's targets: the schema's default (the small wave's config names none)
    infer_wave(workdir / "results/small/weight/responses.parquet", *alone, wave="small",
               items=settings["infer"]["items"], models=settings["infer"]["models"], stratum="country",
               variance={**variance, "chunk": 30}, weighting=settings["weighting"],
               targets=workdir / "data/synthetic/population_margins_2017.csv")  # fmt: skip
    assert [path.read_bytes() for path in alone] == digests[0][1:]
    estimates = pd.read_csv(workdir / targets[0])
    weighted = estimates[estimates["weighting"] == "weighted"]
    assert weighted["variance"].str.startswith("replicate weights: bootstrap").all()
    # weighting.variance calibrated (the default): every replicate raked again
    assert settings["weighting"].get("variance", "calibrated") == "calibrated"
    assert weighted["variance"].str.endswith("; each replicate raked again to the margins").all()
    assert weighted["variance"].str.contains("30 replicates").all()
    assert estimates.loc[estimates["weighting"] == "unweighted", "variance"].str.startswith("linearization").all()
    # the country tests and models of the weighted data use the same replicates, and say so
    for name in ("country_tests", "coefficients", "model_status"):
        table = pd.read_csv(workdir / f"results/small/infer/{name}.csv")
        assert table.loc[table["weighting"] == "weighted", "variance"].str.contains("bootstrap").all(), name
        assert table.loc[table["weighting"] == "unweighted", "variance"].str.startswith("linearization").all(), name
    status = pd.read_csv(workdir / "results/small/infer/model_status.csv", keep_default_na=False)
    weighted = status[status["weighting"] == "weighted"].set_index("model")
    for model in settings["infer"]["models"]:  # the proportional-odds model too (svyolr.svyrep.design)
        assert weighted.loc[model, "converged"] and weighted.loc[model, "error"] == "", model
