# Reference values from R's survey package for replicate-weight variance
# (tests/survey/test_replicates.py): as.svrepdesign (JK1, JKn, BRR, Fay, bootstrap,
# subbootstrap) and svrepdesign with supplied replicate weights, and the estimators R
# defines for them (svymean, svytotal, proportions, svyby, svyciprop, svyglm, svychisq).
#
# Regenerate from the repository root with
#     Rscript tests/r/replicates_extra.R tests/r
# (R 4.2 with survey 4.1-1, Debian's r-cran-survey; data(api) is the data of the shared
# reference folder's CSV files). It writes replicates_extra.json and, because R's bootstrap
# draws come from R's random numbers, the replicate weights of R's bootstrap designs
# (replicates_boot_counts.csv, replicates_subboot_counts.csv: resampling counts per row) and
# R's JK1 replicate weights as a public file ships them (replicates_jk1_weights.csv:
# analysis weights, 17 significant digits), which the tests read back as supplied weights.
# Numbers are written with 17 significant digits, so they are R's exact doubles.
suppressMessages(library(survey))
data(api)
data(scd)
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args)) args[1] else "."

## -- JSON with exact doubles (json(x)), shared with the other replicate fixtures -------------
source(file.path("tests", "r", "json.R"))

## -- what each estimate contributes ----------------------------------------------------------
stat_out <- function(s) list(names = as.list(names(coef(s))), estimates = unname(coef(s)), vcov = unname(as.matrix(vcov(s))))
by_out <- function(b) list(names = as.list(names(coef(b))), estimates = unname(coef(b)), se = unname(SE(b)), vcov = unname(as.matrix(vcov(b))))
ciprop_out <- function(design) {
  res <- list()
  for (m in c("logit", "likelihood", "asin", "beta", "mean", "xlogit")) {
    ci <- svyciprop(~I(sch.wide == "Yes"), design, method = m)
    res[[m]] <- list(estimate = unname(coef(ci)), se = unname(SE(ci)), ci = unname(attr(ci, "ci")))
  }
  res
}
glm_out <- function(m) {
  s <- summary(m)
  list(names = as.list(names(coef(m))), coefficients = unname(coef(m)), se = unname(coef(s)[, 2]),
       p_value = unname(coef(s)[, 4]), vcov = unname(vcov(m)), df_residual = m$df.residual,
       dispersion = unname(s$dispersion))
}
chisq_out <- function(formula, design) {
  res <- list()
  for (st in c("F", "Chisq", "Wald", "adjWald")) {
    x <- suppressWarnings(svychisq(formula, design, statistic = st))
    res[[st]] <- list(statistic = as.numeric(x$statistic), parameter = as.list(x$parameter), p_value = as.numeric(x$p.value))
  }
  res
}
design_out <- function(d) {
  list(type = d$type, replicates = ncol(weights(d, "analysis")), scale = d$scale,
       rscales = unname(d$rscales), degf = degf(d), mse = isTRUE(d$mse))
}
## every estimator on one replicate design; `dom` a domain, `f` the factor for svyby and svychisq
all_out <- function(d, dom, f) {
  fml <- as.formula(paste("~sch.wide +", f))
  list(
    design = design_out(d),
    degf_domain = degf(subset(d, eval(dom, d$variables))),
    mean = stat_out(svymean(as.formula(paste("~api00 +", f)), d)),
    total = stat_out(svytotal(~enroll, d)),
    deff_mean = unname(deff(svymean(as.formula(paste("~api00 +", f)), d, deff = TRUE))),
    deff_total_replace = unname(deff(svytotal(~enroll, d, deff = "replace"))),
    mean_domain = stat_out(svymean(~api00, subset(d, eval(dom, d$variables)))),
    by_mean = by_out(svyby(~api00, as.formula(paste0("~", f)), d, svymean, covmat = TRUE)),
    by_prop = by_out(svyby(~sch.wide, as.formula(paste0("~", f)), d, svymean, covmat = TRUE)),
    ciprop = ciprop_out(d),
    glm = glm_out(svyglm(sch.wide ~ ell + meals, d, family = quasibinomial)),
    glm_gaussian = glm_out(svyglm(api00 ~ ell + meals + awards, d)),
    glm_domain = glm_out(svyglm(api00 ~ ell + meals, subset(d, eval(dom, d$variables)))),
    chisq = chisq_out(fml, d)
  )
}

res <- list()

## JK1 on the one-stage cluster sample (15 districts, fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
jk1 <- as.svrepdesign(dclus1, type = "JK1")
res$jk1_clus1 <- all_out(jk1, quote(stype == "E"), "stype")
res$jk1_clus1$psu_factors <- unname(jk1$repweights$weights)

## JKn on the stratified sample (3 strata, fpc), as the shared case R1_strat_JKn, and mse=TRUE
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
jkn <- as.svrepdesign(dstrat, type = "JKn")
res$jkn_strat <- all_out(jkn, quote(awards == "Yes"), "awards")
res$jkn_strat$mean_na_rm <- stat_out(svymean(~acs.k3, jkn, na.rm = TRUE))
res$jkn_strat$glm_missing <- glm_out(svyglm(api00 ~ acs.k3 + meals, jkn))
jkn_mse <- as.svrepdesign(dstrat, type = "JKn", mse = TRUE)
res$jkn_strat_mse <- list(design = design_out(jkn_mse), mean = stat_out(svymean(~api00 + awards, jkn_mse)),
                          glm = glm_out(svyglm(sch.wide ~ ell + meals, jkn_mse, family = quasibinomial)))

## JKn on a stratified cluster sample (districts within school types)
dsc <- svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = apistrat, nest = TRUE)
res$jkn_strat_clus <- all_out(as.svrepdesign(dsc, type = "JKn"), quote(awards == "Yes"), "awards")

## BRR and Fay on two schools per pseudo-stratum: schools paired by snum within school type
rank_in <- ave(apistrat$snum, apistrat$stype, FUN = function(s) rank(s))
apistrat$pair <- sprintf("%s%03d", apistrat$stype, (rank_in + 1) %/% 2)
dpair <- svydesign(id = ~1, strata = ~pair, weights = ~pw, data = apistrat)
res$brr_pairs <- all_out(as.svrepdesign(dpair, type = "BRR"), quote(awards == "Yes"), "awards")
res$fay_pairs <- all_out(as.svrepdesign(dpair, type = "Fay", fay.rho = 0.3), quote(awards == "Yes"), "awards")

## R's own BRR example: scd (3 strata of 2 ambulance PSUs; the fpc is dropped)
scdnz <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE, fpc = rep(5, 6))
scdbrr <- suppressWarnings(as.svrepdesign(scdnz, type = "BRR"))
scdfay <- suppressWarnings(as.svrepdesign(scdnz, type = "Fay", fay.rho = 0.3))
repweights <- 2 * cbind(c(1, 0, 1, 0, 1, 0), c(1, 0, 0, 1, 0, 1), c(0, 1, 1, 0, 0, 1), c(0, 1, 0, 1, 1, 0))
scdrep <- svrepdesign(data = scd, type = "BRR", repweights = repweights, combined.weights = FALSE)
res$scd <- list(
  brr = list(design = design_out(scdbrr), mean = stat_out(svymean(~alive + arrests, scdbrr)),
             total = stat_out(svytotal(~alive, scdbrr)), psu_factors = unname(scdbrr$repweights$weights)),
  fay = list(design = design_out(scdfay), mean = stat_out(svymean(~alive + arrests, scdfay))),
  supplied = list(design = design_out(scdrep), mean = stat_out(svymean(~alive + arrests, scdrep)))
)

## R's Hadamard matrices (brrweights' hadamard(n)): size and the MD5 of their 0/1 rows
hadamard_md5 <- function(n) {
  H <- survey:::hadamard(n)
  f <- tempfile()
  writeLines(apply(H, 1, paste, collapse = ""), f)
  list(n = n, size = nrow(H), md5 = unname(tools::md5sum(f)))
}
res$hadamard <- lapply(c(1:40, 43, 47, 50, 55, 60, 63, 64, 70, 99, 100, 127, 128, 150, 200, 300), hadamard_md5)

## Supplied weights as public files ship them: R's JK1 analysis weights in the data
w <- weights(jk1, "analysis")
colnames(w) <- sprintf("repw%02d", seq_len(ncol(w)))
write.csv(data.frame(lapply(as.data.frame(w), sprintf, fmt = "%.17g"), check.names = FALSE),
          file.path(outdir, "replicates_jk1_weights.csv"), row.names = FALSE, quote = FALSE)
supplied <- svrepdesign(data = cbind(apiclus1, w), repweights = "repw[0-9]+", weights = ~pw, type = "JK1",
                        scale = jk1$scale, combined.weights = TRUE)
res$supplied_jk1 <- all_out(supplied, quote(stype == "E"), "stype")

## Bootstrap: R's draws written out; the SEs come from R's own designs
set.seed(20240501)
boot <- as.svrepdesign(dstrat, type = "bootstrap", replicates = 50)
counts <- boot$repweights$weights[boot$repweights$index, ]
colnames(counts) <- sprintf("boot%02d", seq_len(ncol(counts)))
write.csv(counts, file.path(outdir, "replicates_boot_counts.csv"), row.names = FALSE, quote = FALSE)
res$bootstrap_strat <- all_out(boot, quote(awards == "Yes"), "awards")

set.seed(20240502)
subboot <- as.svrepdesign(dsc, type = "subbootstrap", replicates = 50)
factors <- subboot$repweights$weights[subboot$repweights$index, ]
n_h <- ave(apistrat$dnum, apistrat$stype, FUN = function(d) length(unique(d)))
counts <- round(factors * (n_h - 1) / n_h)
stopifnot(all(counts * n_h / (n_h - 1) == factors))
colnames(counts) <- sprintf("sub%02d", seq_len(ncol(counts)))
write.csv(counts, file.path(outdir, "replicates_subboot_counts.csv"), row.names = FALSE, quote = FALSE)
res$subbootstrap_strat_clus <- all_out(subboot, quote(awards == "Yes"), "awards")

res$provenance <- paste("R", getRversion(), "survey", as.character(packageVersion("survey")))
writeLines(json(res), file.path(outdir, "replicates_extra.json"))
