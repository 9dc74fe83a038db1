# Reference values for tests/survey/test_trend.py: a design-based test of linear trend over
# independent waves, as R's survey package computes it. Three public api samples stand in for
# three waves of a repeated cross-section (independent samples, each with its own design):
#   wave 2000: apistrat (stratified by school type, fpc)
#   wave 2002: apiclus1 (one-stage cluster sample of districts, fpc)
#   wave 2005: apisrs   (simple random sample, fpc)
# The years are unequally spaced, so the contrast's coefficients are the centred years
# c_i = t_i - mean(t). The waves are stacked in one design with strata nested in wave (each
# wave's strata, clusters and fpc kept as its own), the wave means come from
# svyby(~y, ~wave, svymean, covmat = TRUE) and the slope from svycontrast with coefficients
# c_i / sum(c_i^2): the least-squares slope of the wave means on the year, its SE from the
# waves' design variances. Each wave's own design gives the same mean and SE (checked below),
# which is what the pipeline reads from each wave's estimates file.
#
# Regenerate from the repository root with:  Rscript tests/r/trend.R  (writes tests/r/trend.json)
# (R 4.2 with survey 4.1-1, Debian's r-cran-survey; data(api) is the same data as the shared
# reference folder's CSV files.) Numbers are written with 17 significant digits.
suppressPackageStartupMessages(library(survey))
source("tests/r/json.R")
data(api)
for (name in c("apistrat", "apiclus1", "apisrs")) {
  d <- get(name)
  d$awards_yes <- as.numeric(d$awards == "Yes")
  d$awards_pct <- 100 * d$awards_yes  # a percentage, the pipeline's unit
  assign(name, d)
}

pick <- function(d, wave, stratum, psu) {
  data.frame(wave = wave, stratum = paste(wave, stratum), psu = paste(wave, psu), pw = d$pw, fpc = d$fpc,
             awards_yes = d$awards_yes, awards_pct = d$awards_pct, api00 = d$api00, stype = as.character(d$stype))
}
years <- c(2000, 2002, 2005)
stacked <- rbind(
  pick(apistrat, "2000", apistrat$stype, seq_len(nrow(apistrat))),
  pick(apiclus1, "2002", "all", apiclus1$dnum),
  pick(apisrs, "2005", "all", seq_len(nrow(apisrs)))
)
stacked$wave <- factor(stacked$wave, levels = c("2000", "2002", "2005"))
design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~pw, fpc = ~fpc, data = stacked)
own <- list(
  svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat),
  svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1),
  svydesign(ids = ~1, weights = ~pw, fpc = ~fpc, data = apisrs)
)
centred <- years - mean(years)

trend <- function(variable, domain = NULL) {
  formula <- as.formula(paste0("~", variable))
  d <- if (is.null(domain)) design else subset(design, stype == domain)
  by <- svyby(formula, ~wave, d, svymean, covmat = TRUE)
  slope <- svycontrast(by, list(slope = centred / sum(centred^2)))
  contrast <- svycontrast(by, list(contrast = centred))
  se <- as.numeric(SE(slope))
  z <- unname(coef(slope)) / se
  ci <- confint(slope, level = 0.95)
  # the same means and SEs from each wave's own design (what the estimates files hold)
  own_stats <- lapply(own, function(o) {
    oo <- if (is.null(domain)) o else subset(o, stype == domain)
    m <- svymean(formula, oo)
    c(unname(coef(m)), unname(SE(m)))
  })
  own_est <- vapply(own_stats, `[`, 0, 1)
  own_se <- vapply(own_stats, `[`, 0, 2)
  stopifnot(isTRUE(all.equal(unname(coef(by)), own_est, tolerance = 1e-12)),
            isTRUE(all.equal(unname(SE(by)), own_se, tolerance = 1e-12)))
  list(
    years = years,
    estimates = unname(coef(by)),
    se = unname(SE(by)),
    covariance = vcov(by),
    own_estimates = own_est,
    own_se = own_se,
    contrast = unname(coef(contrast)),
    contrast_se = as.numeric(SE(contrast)),
    slope = unname(coef(slope)),
    slope_se = as.numeric(se),
    ci_lower = unname(ci[1, 1]),
    ci_upper = unname(ci[1, 2]),
    z = z,
    p_value = 2 * pnorm(-abs(z))
  )
}

out <- list(
  awards_yes = trend("awards_yes"),
  api00 = trend("api00"),
  # a domain: elementary schools only, as a percentage
  awards_pct_elementary = trend("awards_pct", domain = "E")
)
writeLines(json(out), "tests/r/trend.json")
