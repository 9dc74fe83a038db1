# Reference values of trimWeights() in survey 4.5 for tests/survey/test_weighting.py: one
# pass; strict = TRUE where survey 4.5's rule (a weight once trimmed stays at its bound and
# later trimmings go only to weights never trimmed) gives other weights than survey 4.1's
# (which shared them among every weight inside the bounds); a strict trimming where the 4.5
# rule runs out of untrimmed weights ("trimming failed"); and bounds given per row, as
# multiples of each stratum's median weight.
# Debian bookworm ships survey 4.1, so run it with survey 4.5 installed in a library of its
# own (from CRAN, or `R CMD INSTALL -l <lib> <source>` of cran/survey at version 4.5), from the
# repository root:
#   R_LIBS=<lib> Rscript tests/r/trim_weights.R   (writes tests/r/trim_weights.json)
suppressPackageStartupMessages(library(survey))
stopifnot(packageVersion("survey") >= "4.5")
source("tests/r/json.R")
data(api)

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
pop.stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
pop.compimp <- data.frame(comp.imp = c("No", "Yes"), Freq = c(1712, 4482))
draked <- rake(dstrat, list(~stype, ~sch.wide, ~comp.imp), list(pop.stype, pop.schwide, pop.compimp),
               control = list(epsilon = 1e-13, maxit = 200))

# The trimmed weights, the warnings trimWeights gave, and svymean after trimming.
trim_case <- function(lower, upper, strict) {
  warned <- character(0)
  trimmed <- withCallingHandlers(
    trimWeights(draked, lower = lower, upper = upper, strict = strict),
    warning = function(w) { warned <<- c(warned, conditionMessage(w)); invokeRestart("muffleWarning") })
  m <- svymean(~api00 + enroll, trimmed)
  list(weights = unname(weights(trimmed)), warnings = as.list(warned), mean = coef(m), vcov = vcov(m))
}

median_by_stype <- ave(weights(draked), apistrat$stype, FUN = median)
lower_med <- 0.9 * median_by_stype
upper_med <- 1.1 * median_by_stype
once <- weights(trimWeights(draked, lower = lower_med, upper = upper_med))  # left outside by one pass
res <- list(
  raked = unname(weights(draked)),
  once_18_36 = c(list(lower = 18, upper = 36, strict = FALSE), trim_case(18, 36, FALSE)),
  strict_14_36 = c(list(lower = 14, upper = 36, strict = TRUE), trim_case(14, 36, TRUE)),
  strict_18_36 = c(list(lower = 18, upper = 36, strict = TRUE), trim_case(18, 36, TRUE)),
  strict_stype_median = c(list(lower_times_median = 0.9, upper_times_median = 1.1, strict = TRUE,
                               median = unname(median_by_stype)),
                          trim_case(lower_med, upper_med, TRUE)),
  once_stype_median_outside = sum(once < lower_med | once > upper_med),
  provenance = paste("R", getRversion(), "survey", as.character(packageVersion("survey")))
)
writeLines(json(res), "tests/r/trim_weights.json")
