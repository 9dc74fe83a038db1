# Extra reference values for tests/survey/test_weighting.py: postStratify with unequal base
# weights, rake with a joint margin and with clusters, calibrate (logit, bounded linear,
# numeric variable, margins list, rescaled weights). trimWeights is in trim_weights.R (survey
# 4.5's strict rule). Run from the repository root with R's survey package (Debian's 4.1):
#   Rscript tests/r/weighting_extra.R   (writes tests/r/weighting_extra.json)
suppressPackageStartupMessages(library(survey))
data(api)

num_arr <- function(x) structure(paste0("[", paste(sprintf("%.17g", as.vector(x)), collapse = ","), "]"), class = "json")
num_obj <- function(x) structure(paste0("{", paste(sprintf('"%s":%.17g', names(x), x), collapse = ","), "}"), class = "json")
stat <- function(s) list(estimate = num_obj(coef(s)), vcov = num_arr(t(vcov(s))), names = names(coef(s)))
case <- function(design, means, totals = NULL) {
  out <- list(weights = num_arr(weights(design)), mean = stat(svymean(means, design)))
  if (!is.null(totals)) out$total <- stat(svytotal(totals, design))
  out
}

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dsrs1 <- svydesign(id = ~1, weights = ~one, data = transform(apisrs, one = 1))  # weights all 1

pop.stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
pop.compimp <- data.frame(comp.imp = c("No", "Yes"), Freq = c(1712, 4482))
pop.stype.awards <- as.data.frame(table(stype = apipop$stype, awards = apipop$awards))
pop.stype.schwide <- as.data.frame(table(stype = apipop$stype, sch.wide = apipop$sch.wide))
pop.cal <- c(`(Intercept)` = 6194, sch.wideYes = 5122, comp.impYes = 4482, api99 = sum(apipop$api99))

out <- list()
out$ps_strat_schwide <- case(postStratify(dstrat, ~sch.wide, pop.schwide), ~api00 + enroll, ~enroll)
out$ps_strat_stype_awards <- case(postStratify(dstrat, ~stype + awards, pop.stype.awards), ~api00 + enroll, ~enroll)
out$rake_strat_joint <- case(
  rake(dstrat, list(~stype + sch.wide, ~comp.imp), list(pop.stype.schwide, pop.compimp),
       control = list(epsilon = 1e-13, maxit = 200)),
  ~api00 + enroll, ~enroll)
out$rake_clus1 <- case(
  rake(dclus1, list(~stype, ~sch.wide), list(pop.stype, pop.schwide), control = list(epsilon = 1e-13, maxit = 200)),
  ~api00 + enroll, ~enroll)
out$cal_logit <- case(
  calibrate(dstrat, ~sch.wide + comp.imp + api99, pop.cal, calfun = "logit", bounds = c(0.5, 2), epsilon = 1e-12, maxit = 100),
  ~api00 + enroll)
out$cal_linear_bounded <- case(
  calibrate(dstrat, ~sch.wide + comp.imp + api99, pop.cal, calfun = "linear", bounds = c(0.6, 1.4), epsilon = 1e-12, maxit = 100),
  ~api00 + enroll)
# logit calibration with bounds (0.7, 1.4) does not converge: R stops ("Calibration failed")
# unless force=TRUE; record the weights it keeps and the achieved criterion it warns about.
failed_msg <- NULL
dfailed <- withCallingHandlers(
  calibrate(dstrat, ~sch.wide + comp.imp + api99, pop.cal, calfun = "logit", bounds = c(0.7, 1.4),
            epsilon = 1e-12, maxit = 100, force = TRUE),
  warning = function(w) { failed_msg <<- conditionMessage(w); invokeRestart("muffleWarning") })
out$cal_logit_failed <- list(weights = num_arr(weights(dfailed)), message = failed_msg,
  eps = num_arr(as.numeric(sub("^.*eps=([0-9.eE+-]+) in.*$", "\\1", failed_msg))))
out$cal_linear_numeric <- case(calibrate(dstrat, ~sch.wide + comp.imp + api99, pop.cal), ~api00 + enroll)
out$cal_margins_raking <- case(
  calibrate(dstrat, list(~stype + sch.wide, ~comp.imp), list(pop.stype.schwide, pop.compimp),
            calfun = "raking", epsilon = 1e-12, maxit = 100),
  ~api00 + enroll)
out$cal_rescaled_raking <- case(
  calibrate(dsrs1, ~stype + sch.wide, c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122),
            calfun = "raking", epsilon = 1e-12, maxit = 100),
  ~api00 + enroll)

writeLines(as.character(jsonlite::toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, pretty = TRUE)),
           "tests/r/weighting_extra.json")
