# Reference values from R's survey package for multistage designs and for weights derived
# from the fpc (tests/survey/test_multistage.py).
#
# Regenerate from the repository root with
#     Rscript tests/r/multistage.R > tests/r/multistage.json
# (R 4.2 with survey 4.1-1, Debian's r-cran-survey; data(api) is the data of the shared
# reference folder's CSV files; mu284 is written into the JSON, as it is not there).
# Numbers are written with 17 significant digits, so they are R's exact doubles.
#
# Covered: apiclus2 two-stage with fpc at both stages (as sizes and as fractions), without
# fpc (R then uses the first stage only); apiclus1 one-stage with fpc and no weights (the
# weights come from the fpc); R's own multistage example mu284; a stratified two-stage
# design made from apiclus2 (its districts split at dnum 400, fpc1 the districts of apipop
# in each stratum), with unique district ids and with ids numbered within strata
# (nest = TRUE); a second-stage unit sampled alone (fpc2 + 1) under lonely.psu "remove"
# and "fail"; svymean, svytotal (with the full covariance), svyby, svyciprop, deff, degf.
suppressMessages(library(survey))
data(api)
data(mu284)
source(file.path("tests", "r", "json.R"))

stat_out <- function(s) list(names = as.list(names(coef(s))), estimates = unname(coef(s)),
                             vcov = unname(as.matrix(vcov(s))))
deff_out <- function(s) c(stat_out(s), list(deff = unname(deff(s))))
by_out <- function(b) list(levels = as.list(as.character(b[[1]])), estimates = unname(coef(b)),
                           se = unname(SE(b)))
ciprop_out <- function(ci) list(estimate = as.numeric(ci), se = sqrt(as.numeric(attr(ci, "var"))),
                                ci = unname(as.numeric(attr(ci, "ci"))))
design_out <- function(d) list(weights = unname(weights(d)), degf = degf(d))
estimates <- function(d) list(
  design = design_out(d),
  mean = stat_out(svymean(~api00 + api99, d)),
  total = stat_out(svytotal(~api00 + enroll, d, na.rm = TRUE)),
  by_stype = by_out(svyby(~api00, ~stype, d, svymean)),
  ciprop = ciprop_out(svyciprop(~I(sch.wide == "Yes"), d, method = "logit")))

res <- list()

## apiclus2: two stages, fpc as population sizes (weights derived) and as fractions
dclus2 <- svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
res$clus2_fpc <- estimates(dclus2)
apiclus2$f1 <- dclus2$fpc$sampsize[, 1] / apiclus2$fpc1
apiclus2$f2 <- dclus2$fpc$sampsize[, 2] / apiclus2$fpc2
res$clus2_fraction <- estimates(svydesign(ids = ~dnum + snum, fpc = ~f1 + f2, data = apiclus2))
## without fpc: the first stage only, with replacement
res$clus2_no_fpc <- estimates(svydesign(ids = ~dnum + snum, weights = ~pw, data = apiclus2))

## apiclus1: one stage, fpc and no weights
dclus1 <- svydesign(ids = ~dnum, fpc = ~fpc, data = apiclus1)
res$clus1_fpc_no_weights <- list(
  design = design_out(dclus1),
  mean = deff_out(svymean(~api00 + enroll, dclus1, deff = TRUE)),
  total = deff_out(svytotal(~api00 + enroll, dclus1, deff = TRUE)))

## mu284: R's own multistage example
dmu <- svydesign(id = ~id1 + id2, fpc = ~n1 + n2, data = mu284)
res$mu284 <- list(
  data = lapply(as.list(mu284), as.numeric),
  design = design_out(dmu),
  mean = stat_out(svymean(~y1, dmu)),
  total = stat_out(svytotal(~y1, dmu)))

## stratified two-stage: districts split at dnum 400, fpc1 = districts of apipop in each
## stratum, fpc2 = schools of the district; "dwithin" numbers districts within strata
apiclus2$half <- ifelse(apiclus2$dnum <= 400, "low", "high")
popdist <- unique(apipop$dnum)
apiclus2$fpc1h <- ifelse(apiclus2$half == "low", sum(popdist <= 400), sum(popdist > 400))
apiclus2$dwithin <- ave(apiclus2$dnum, apiclus2$half, FUN = function(d) match(d, sort(unique(d))))
dstr2 <- svydesign(ids = ~dnum + snum, strata = ~half, fpc = ~fpc1h + fpc2, data = apiclus2)
dstr2n <- svydesign(ids = ~dwithin + snum, strata = ~half, fpc = ~fpc1h + fpc2, data = apiclus2, nest = TRUE)
res$strat2 <- list(unique_ids = estimates(dstr2),
                   nested_ids = estimates(dstr2n),
                   not_nested_message = tryCatch({
                     svydesign(ids = ~dwithin + snum, strata = ~half, fpc = ~fpc1h + fpc2, data = apiclus2)
                     "no error"}, error = function(e) conditionMessage(e)))

## a second-stage unit sampled alone from more than one (fpc2 + 1)
apiclus2$fpc2b <- apiclus2$fpc2 + 1
options(survey.lonely.psu = "remove")
res$lonely_stage2_remove <- estimates(svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2b, data = apiclus2))
options(survey.lonely.psu = "fail")
res$lonely_stage2_fail_message <- tryCatch({
  svymean(~api00, svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2b, data = apiclus2))
  "no error"}, error = function(e) conditionMessage(e))

res$r_version <- R.version.string
res$survey_version <- as.character(packageVersion("survey"))
cat(json(res), "\n")
