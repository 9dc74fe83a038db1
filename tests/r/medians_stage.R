# R's svyquantile for the medians of the numeric items (rule describe_medians,
# tests/stages/test_describe_medians.py): the synthetic wave and targets of
# tests/r/raked_stage.R (tests/r/raked_wave.R) with a numeric item added, years of practice
# (0-45 in tenths of a year, so that the intervals' ends tell the designs apart; some
# missing), raked within country as the weighting stage rakes. For Canada and for the whole
# sample: svyquantile(~years_practice, design, c(0.25, 0.5, 0.75), ci = TRUE, na.rm = TRUE)
# with R's defaults (qrule = "math", interval.type = "mean": Woodruff's interval on the
# design df) on the designs the stage uses: the raked design (SEs calibrated to the raking),
# the raked weights held fixed, all weights 1 (unweighted), and the stratified jackknife
# raked again in every replicate (rake(as.svrepdesign(design, type = "JKn"), ...)).
#
# Regenerate from the repository root with
#     Rscript tests/r/medians_stage.R > tests/r/medians_stage.json
# (R 4.2 with survey 4.1-1); numbers have 17 significant digits, R's exact doubles, and
# an interval end that R gives as NA is null.
suppressPackageStartupMessages(library(survey))
source("tests/r/json.R")

source("tests/r/raked_wave.R")
set.seed(20261208)
# years of practice: more among the older age groups, in tenths of a year
years <- round(pmin(45, rgamma(n, shape = 2 + 2 * as.integer(d$age_group), scale = 3)), 1)
years[sample(n, 25)] <- NA
d$years_practice <- years

design <- svydesign(ids = ~1, strata = ~country, weights = ~one, data = d)
margins <- list(~country + gender, ~country + age_group)
control <- list(epsilon = 1e-10, maxit = 100)
raked <- rake(design, margins, list(pop_gender, pop_age), control = control)
d$w <- weights(raked)
fixed <- svydesign(ids = ~1, strata = ~country, weights = ~w, data = d)
jkn <- rake(as.svrepdesign(design, type = "JKn"), margins, list(pop_gender, pop_age), control = control)

quantiles <- function(des) {
  q <- svyquantile(~years_practice, des, c(0.25, 0.5, 0.75), ci = TRUE, na.rm = TRUE)
  ci <- confint(q)
  list(estimate = unname(coef(q)), se = unname(SE(q)), ci_lower = unname(ci[, 1]), ci_upper = unname(ci[, 2]),
       degf = degf(subset(des, !is.na(years_practice))))
}
results <- function(des) {
  list(Canada = quantiles(subset(des, country == "Canada")), all = quantiles(des))
}

cat(json(list(
  r = paste(R.version$major, R.version$minor, sep = "."),
  survey = as.character(packageVersion("survey")),
  years_practice = d$years_practice,
  raked = results(raked),
  fixed = results(fixed),
  unweighted = results(design),
  jkn_raked = results(jkn)
)), "\n")
