# Reference values from R's survey package for svyquantile (tests/survey/test_quantile.py)
# and for svyby with svytotal, svyquantile, svyratio and svyciprop (tests/survey/test_by.py).
#
# Regenerate from the repository root with
#     Rscript tests/r/quantiles.R > tests/r/quantiles.json
# (R 4.2 with survey 4.1-1, Debian's r-cran-survey; data(api) is the data of the shared
# reference folder's CSV files). Numbers are written with 17 significant digits, so they
# are R's exact doubles; NaN (an interval end outside the CDF's [0, 1]) is written null.
#
# Covered: svyquantile at 0.1/0.25/0.5/0.75/0.9 with Woodruff intervals (interval.type =
# "mean"), qrule "math" (the default) and "hf7", on apistrat (stratified, fpc), apiclus1
# (clustered, fpc) and apiclus2 (clustered by district, the one-stage "ultimate cluster"
# design, since swsurvey's designs have one stage); alpha = 0.1 and df = Inf; a domain;
# na.rm; replicate designs (JK1 from apiclus1, JKn from apistrat) with interval.type
# "mean" and "quantile". svyby by stype on apiclus1 of svytotal and svyratio (covmat=TRUE),
# svyquantile (also on the JK1 replicate design) and svyciprop (vartype = c("se", "ci"): the
# estimators' own intervals).
suppressMessages(library(survey))
data(api)
source(file.path("tests", "r", "json.R"))

quants <- c(0.1, 0.25, 0.5, 0.75, 0.9)
q_out <- function(q) {
  ci <- confint(q)
  list(names = as.list(names(coef(q))), estimates = unname(coef(q)), se = unname(SE(q)),
       ci_lower = unname(ci[, 1]), ci_upper = unname(ci[, 2]))
}

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus2)

res <- list()
# apiclus2's enroll has missing values: its quantiles are of api00 alone
for (d in list(list("strat", dstrat, ~api00 + enroll), list("clus1", dclus1, ~api00 + enroll),
               list("clus2", dclus2, ~api00))) {
  for (rule in c("math", "hf7")) {
    q <- svyquantile(d[[3]], d[[2]], quantiles = quants, ci = TRUE, qrule = rule)
    res[[paste("quantile", d[[1]], rule, sep = "_")]] <- c(q_out(q), degf = degf(d[[2]]))
  }
}
res$quantile_clus1_alpha10_normal <- q_out(
  svyquantile(~api00, dclus1, quantiles = quants, alpha = 0.1, df = Inf))
res$quantile_strat_domain_H <- q_out(
  svyquantile(~api00, subset(dstrat, stype == "H"), quantiles = quants))
res$quantile_strat_na_rm_acsk3 <- q_out(
  svyquantile(~acs.k3, dstrat, quantiles = quants, na.rm = TRUE))

rclus1 <- as.svrepdesign(dclus1)  # JK1
rstrat <- as.svrepdesign(dstrat)  # JKn
for (d in list(list("jk1_clus1", rclus1), list("jkn_strat", rstrat))) {
  for (type in c("mean", "quantile")) {
    q <- suppressWarnings(svyquantile(~api00, d[[2]], quantiles = quants, interval.type = type))
    res[[paste("quantile", d[[1]], type, sep = "_")]] <- c(q_out(q), degf = degf(d[[2]]))
  }
}
# a domain of equal weights, where a cumulative share equals p exactly: R's as.svrepdesign
# carries the weights as 1 / (1 / pw), which moves the CDF across p (a known difference)
res$quantile_jkn_strat_domain_H_mean <- q_out(suppressWarnings(
  svyquantile(~api00, subset(rstrat, stype == "H"), quantiles = quants)))
res$quantile_jk1_clus1_quantile_hf7 <- q_out(suppressWarnings(
  svyquantile(~api00, rclus1, quantiles = quants, interval.type = "quantile", qrule = "hf7")))

by_out <- function(b) {
  out <- list(stype = as.character(b$stype), names = as.list(names(coef(b))),
              estimates = unname(coef(b)), se = unname(SE(b)), columns = as.list(gsub("\"", "'", names(b))))  # json.R does not escape quotes
  if (!is.null(attr(b, "var"))) out$vcov <- as.vector(vcov(b))
  if (!is.null(b$ci_l)) out$ci_lower <- unname(b$ci_l)
  if (!is.null(b$ci_u)) out$ci_upper <- unname(b$ci_u)
  out
}
res$by_clus1_total_enroll <- by_out(svyby(~enroll, ~stype, dclus1, svytotal, covmat = TRUE))
res$by_clus1_ratio_apistu_enroll <- by_out(
  svyby(~api.stu, ~stype, dclus1, svyratio, denominator = ~enroll, covmat = TRUE))
qb <- svyby(~api00, ~stype, dclus1, svyquantile, quantiles = c(0.25, 0.5, 0.75), ci = TRUE)
res$by_clus1_quantile_api00 <- by_out(qb)
# the per-domain Woodruff intervals (svyby's vartype = "ci" keeps only one per row)
res$by_clus1_quantile_api00$domains <- lapply(c(E = "E", H = "H", M = "M"), function(s)
  q_out(svyquantile(~api00, subset(dclus1, stype == s), quantiles = c(0.25, 0.5, 0.75))))
res$by_clus1_quantile_api00_single <- by_out(
  svyby(~api00, ~stype, dclus1, svyquantile, quantiles = 0.5, ci = TRUE))
res$by_jk1_clus1_quantile_api00 <- by_out(suppressWarnings(svyby(
  ~api00, ~stype, rclus1, svyquantile, quantiles = c(0.25, 0.5, 0.75), interval.type = "quantile")))
for (m in c("logit", "beta")) {
  res[[paste0("by_clus1_ciprop_schwide_", m)]] <- by_out(
    svyby(~I(sch.wide == "Yes"), ~stype, dclus1, svyciprop, method = m, vartype = c("se", "ci")))
}

res$r_version <- R.version.string
res$survey_version <- as.character(packageVersion("survey"))
cat(json(res), "\n")
