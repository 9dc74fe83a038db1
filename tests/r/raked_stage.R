# R's raked design for the pipeline's calibrated SEs (tests/stages/test_designs.py): a small
# synthetic wave, stratified by country, raked within country to joint country x gender and
# country x age-group totals, as the weighting stage rakes, then svymean, svyciprop, svychisq
# and svyglm on the raked design (their SEs include the calibration) and, for comparison,
# on the same weights held fixed (a plain svydesign of the raked weights).
#
# Regenerate from the repository root with
#     Rscript tests/r/raked_stage.R > tests/r/raked_stage.json
# (R 4.2 with survey 4.1-1). The data are made here (set.seed) and written to the JSON with
# the results; numbers have 17 significant digits, R's exact doubles.
suppressPackageStartupMessages(library(survey))
source("tests/r/json.R")

source("tests/r/raked_wave.R")

design <- svydesign(ids = ~1, strata = ~country, weights = ~one, data = d)
raked <- rake(design, list(~country + gender, ~country + age_group), list(pop_gender, pop_age),
              control = list(epsilon = 1e-10, maxit = 100))
d$w <- weights(raked)
fixed <- svydesign(ids = ~1, strata = ~country, weights = ~w, data = d)

results <- function(des) {
  e <- wave_estimates(des)
  m_use <- e$m_use
  m_gender <- e$m_gender
  m_all <- e$m_all
  ci <- e$ci
  chisq <- svychisq(~any_use + country, des, statistic = "F")
  fit <- svyglm(I(any_use == "Yes") ~ gender + age_group + country, des, family = quasibinomial())
  list(
    canada_any_use = list(estimate = coef(m_use), se = SE(m_use)),
    canada_gender = list(estimate = coef(m_gender), se = SE(m_gender)),
    all_any_use = list(estimate = coef(m_all), se = SE(m_all)),
    israel_ciprop_beta = list(estimate = unname(coef(ci)), se = unname(SE(ci)), ci = unname(confint(ci)[1, ])),
    chisq_F = list(statistic = unname(chisq$statistic), ndf = unname(chisq$parameter["ndf"]),
                   ddf = unname(chisq$parameter["ddf"]), p = unname(chisq$p.value)),
    glm = list(terms = names(coef(fit)), estimate = unname(coef(fit)), se = unname(SE(fit)))
  )
}

cat(json(list(
  r = paste(R.version$major, R.version$minor, sep = "."),
  survey = as.character(packageVersion("survey")),
  data = list(country = as.character(d$country), gender = as.character(d$gender),
              age_group = as.character(d$age_group), any_use = as.character(d$any_use)),
  targets = list(
    gender = list(country = as.character(pop_gender$country), level = as.character(pop_gender$gender),
                  population_count = pop_gender$Freq),
    age_group = list(country = as.character(pop_age$country), level = as.character(pop_age$age_group),
                     population_count = pop_age$Freq)
  ),
  weights = unname(weights(raked)),
  raked = results(raked),
  fixed = results(fixed)
)), "\n")
