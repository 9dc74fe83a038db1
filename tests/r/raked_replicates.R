# R's raked replicate design for the pipeline's calibrated replicate SEs
# (tests/stages/test_designs.py, tests/survey/test_weighting.py): the synthetic wave and
# targets of tests/r/raked_stage.R (tests/r/raked_wave.R), converted to a
# stratified jackknife (JKn, deterministic) before raking and then raked within country to
# joint country x gender and country x age-group totals: rake(as.svrepdesign(design,
# type = "JKn"), ...), which post-stratifies every replicate's weights on each margin
# (postStratify.svyrep.design). For comparison, the raked weights held fixed in the
# replicates: as.svrepdesign(svydesign(weights = raked weights), type = "JKn").
#
# Regenerate from the repository root with
#     Rscript tests/r/raked_replicates.R > tests/r/raked_replicates.json
# (R 4.2 with survey 4.1-1); numbers have 17 significant digits, R's exact doubles.
suppressPackageStartupMessages(library(survey))
source("tests/r/json.R")

source("tests/r/raked_wave.R")

design <- svydesign(ids = ~1, strata = ~country, weights = ~one, data = d)
margins <- list(~country + gender, ~country + age_group)
control <- list(epsilon = 1e-10, maxit = 100)
calibrated <- rake(as.svrepdesign(design, type = "JKn"), margins, list(pop_gender, pop_age), control = control)
d$w <- weights(calibrated, "sampling")
fixed <- as.svrepdesign(svydesign(ids = ~1, strata = ~country, weights = ~w, data = d), type = "JKn")

results <- function(des) {
  e <- wave_estimates(des)
  analysis <- weights(des, "analysis")
  list(
    canada_any_use = list(estimate = unname(coef(e$m_use)), se = unname(SE(e$m_use))),
    canada_gender = list(estimate = unname(coef(e$m_gender)), se = unname(SE(e$m_gender))),
    all_any_use = list(estimate = unname(coef(e$m_all)), se = unname(SE(e$m_all))),
    israel_ciprop_beta = list(estimate = unname(coef(e$ci)), se = unname(SE(e$ci)), ci = unname(confint(e$ci)[1, ])),
    degf = degf(des), degf_israel = degf(e$israel),
    # replicates 1, 2 and 900 (R's numbering) of the analysis weights
    replicate_weights = list(unname(analysis[, 1]), unname(analysis[, 2]), unname(analysis[, 900]))
  )
}

cat(json(list(
  r = paste(R.version$major, R.version$minor, sep = "."),
  survey = as.character(packageVersion("survey")),
  country = as.character(d$country),
  weights = unname(weights(calibrated, "sampling")),
  calibrated = results(calibrated),
  fixed = results(fixed)
)), "\n")
