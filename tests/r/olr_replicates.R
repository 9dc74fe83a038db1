# Reference values from R's survey package for svyolr on replicate-weight designs
# (survey:::svyolr.svyrep.design; tests/survey/test_olr_replicates.py).
#
# Regenerate from the repository root with
#     Rscript tests/r/olr_replicates.R tests/r
# (R 4.2 with survey 4.1-1 and MASS 7.3-58, Debian's r-base-core and r-cran-survey;
# data(api) is the data of the shared reference folder's CSV files). It writes
# olr_replicates.json and, because R's bootstrap draws come from R's random numbers, the
# analysis weights of R's bootstrap design (olr_replicates_boot_weights.csv, 17 significant
# digits), which the tests read back as supplied (combined) replicate weights. Numbers are
# written with 17 significant digits, so they are R's exact doubles.
#
# R fits the full sample with MASS::polr(weights = pweights, Hess = TRUE), refits each
# replicate with MASS::polr(weights = replicate analysis weights, start = c(coefficients,
# zeta)), and takes svrVar of the refits (coef = the full-sample estimates, for mse);
# df.residual = degf(design) - number of coefficients; deviance / mean(pweights).
suppressMessages(library(survey))
data(api)
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args)) args[1] else "."

## -- JSON with exact doubles (json(x)), shared with the other replicate fixtures -------------
source(file.path("tests", "r", "json.R"))

design_out <- function(d) {
  list(type = d$type, replicates = ncol(weights(d, "analysis")), scale = d$scale,
       rscales = unname(d$rscales), degf = degf(d), mse = isTRUE(d$mse), nrow = nrow(d))
}
## one svyolr fit: estimates, summary table, vcov, df, deviance, and its replicates
olr_out <- function(formula, d) {
  m <- svyolr(formula, design = d, return.replicates = TRUE)
  s <- summary(m)
  reps <- m$replicates
  colnames(reps) <- names(coef(m))
  list(
    formula = deparse(formula),
    design = design_out(d),
    coefficients = m$coefficients,
    zeta = m$zeta,
    se = sqrt(diag(vcov(m))),
    vcov = as.matrix(vcov(m)),
    coef_table = list(colnames = as.list(colnames(coef(s))), values = lapply(seq_len(nrow(coef(s))), function(i) unname(coef(s)[i, ]))),
    df_residual = m$df.residual,
    deviance = m$deviance,
    niter = unname(m$niter),
    convergence = m$convergence,
    n_missing = length(m$na.action),
    replicates = list(colnames = as.list(colnames(reps)), values = lapply(seq_len(nrow(reps)), function(i) unname(reps[i, ])))
  )
}

## the exact maxima, for method = "newton": the same refits with optim run to convergence
## (reltol 1e-16, 1000 iterations), which svyolr cannot be asked for (it passes ... to the
## full-sample fit only)
tight_out <- function(formula, d) {
  environment(formula) <- environment()
  df <- model.frame(d)
  pwt <- weights(d, "sampling")
  ctl <- list(reltol = 1e-16, maxit = 1000)
  full <- suppressWarnings(MASS::polr(formula, data = df, weights = pwt, control = ctl, model = FALSE))
  start <- c(full$coefficients, full$zeta)
  rw <- weights(d, "analysis")
  betas <- apply(rw, 2, function(w) {
    environment(formula) <- environment()
    m <- MASS::polr(formula, data = df, weights = w, start = start, control = ctl, model = FALSE)
    c(m$coefficients, m$zeta)
  })
  v <- svrVar(t(betas), d$scale, d$rscales, mse = d$mse, coef = start)
  list(estimates = start, se = sqrt(diag(v)), vcov = matrix(v, nrow(v), dimnames = dimnames(v)))
}

res <- list()

## (a) R's own svyolr example, its replicate version: JK1 on the one-stage cluster sample
## (15 districts, fpc); avg.ed is missing on 26 schools
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus1 <- update(dclus1, mealcat = cut(meals, c(0, 25, 50, 75, 100)))
rclus1 <- as.svrepdesign(dclus1)
res$jk1_clus1 <- olr_out(mealcat ~ avg.ed + mobility + stype, rclus1)
## a domain (R's subset drops the rows; its degf is the domain's) with missing values
res$jk1_clus1_domain <- olr_out(mealcat ~ avg.ed + stype, subset(rclus1, sch.wide == "Yes"))

## JKn on the stratified sample (3 strata, fpc): categorical predictors only (the fit runs
## on (covariate pattern, outcome) cells), and mse = TRUE
apistrat$mealcat <- cut(apistrat$meals, c(-1, 25, 50, 75, 100))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
jkn <- as.svrepdesign(dstrat, type = "JKn")
res$jkn_strat_cells <- olr_out(mealcat ~ stype + comp.imp + awards, jkn)
jkn_mse <- as.svrepdesign(dstrat, type = "JKn", mse = TRUE)
res$jkn_strat_mse <- olr_out(mealcat ~ ell + stype, jkn_mse)
res$jkn_strat_mse_tight <- tight_out(mealcat ~ ell + stype, jkn_mse)

## weights ten times larger: polr's starting logistic fit (glm.fit with the weights as they
## are) does not converge, and svyolr stops
apistrat$pw10 <- apistrat$pw * 10
jkn10 <- as.svrepdesign(svydesign(id = ~1, strata = ~stype, weights = ~pw10, data = apistrat, fpc = ~fpc), type = "JKn")
res$jkn_strat_pw10_error <- tryCatch({ svyolr(mealcat ~ ell + stype, jkn10); "no error" },
                                     error = function(e) conditionMessage(e))

## (b) R's bootstrap on the cluster sample: its analysis weights written out and read back
## as supplied combined weights (R's draws use R's random numbers)
set.seed(20240611)
boot <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50)
w <- weights(boot, "analysis")
colnames(w) <- sprintf("bw%02d", seq_len(ncol(w)))
write.csv(data.frame(lapply(as.data.frame(w), sprintf, fmt = "%.17g"), check.names = FALSE),
          file.path(outdir, "olr_replicates_boot_weights.csv"), row.names = FALSE, quote = FALSE)
res$boot_clus1 <- olr_out(mealcat ~ avg.ed + mobility + stype, boot)
res$boot_clus1_tight <- tight_out(mealcat ~ avg.ed + mobility + stype, boot)
res$boot_clus1_domain <- olr_out(mealcat ~ avg.ed + stype, subset(boot, sch.wide == "Yes"))
## the same weights as R's svrepdesign(combined.weights = TRUE) of them (what Python builds)
supplied <- svrepdesign(data = cbind(apiclus1, w), repweights = "bw[0-9]+", weights = ~pw, type = "bootstrap",
                        scale = boot$scale, rscales = boot$rscales, combined.weights = TRUE)
supplied <- update(supplied, mealcat = cut(meals, c(0, 25, 50, 75, 100)))
res$boot_clus1_supplied <- olr_out(mealcat ~ avg.ed + mobility + stype, supplied)

res$provenance <- paste("R", getRversion(), "survey", as.character(packageVersion("survey")),
                        "MASS", as.character(packageVersion("MASS")))
writeLines(json(res), file.path(outdir, "olr_replicates.json"))
