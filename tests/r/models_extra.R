# Extra reference values for swsurvey's svyglm, regTermTest, svychisq and svyolr where the
# shared reference (../shared/reference/r-survey) has no case: quasipoisson, stratified and
# clustered designs with fpc, 3x3 tables, missing values, domains, calibrated designs.
# Regenerate with:  Rscript tests/r/models_extra.R tests/r/models_extra.json
# (R 4.2, survey 4.1-1; numbers are written with 17 significant digits, so exact doubles.)
suppressPackageStartupMessages(library(survey))
data(api)
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "models_extra.json"

## -- a JSON writer that keeps every double exact -------------------------------------------
num <- function(x) ifelse(is.na(x), "null", ifelse(is.infinite(x), ifelse(x > 0, "1e999", "-1e999"), sprintf("%.17g", x)))
str_ <- function(x) paste0('"', gsub('"', '\\\\"', x), '"')
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.matrix(x)) {
    rows <- apply(x, 1, function(r) paste0("[", paste(num(r), collapse = ","), "]"))
    return(paste0('{"rownames":[', paste(str_(rownames(x)), collapse = ","), '],"colnames":[',
                  paste(str_(colnames(x)), collapse = ","), '],"values":[', paste(rows, collapse = ","), "]}"))
  }
  if (is.list(x)) {
    body <- paste(str_(names(x)), sapply(x, to_json), sep = ":", collapse = ",")
    return(paste0("{", body, "}"))
  }
  if (is.character(x) || is.factor(x)) {
    x <- as.character(x)
    if (length(x) == 1 && is.null(names(x))) return(str_(x))
    return(paste0("[", paste(str_(x), collapse = ","), "]"))
  }
  if (is.logical(x) && length(x) == 1) return(if (is.na(x)) "null" else tolower(as.character(x)))
  if (!is.null(names(x))) return(paste0("{", paste(str_(names(x)), num(unname(x)), sep = ":", collapse = ","), "}"))
  if (length(x) == 1) return(num(x))
  paste0("[", paste(num(x), collapse = ","), "]")
}

## -- outputs as the shared reference lays them out ------------------------------------------
glm_out <- function(m, terms = list()) {
  s <- summary(m)
  cf <- coef(s)
  v <- vcov(m)
  res <- list(
    coefficients = cf[, 1], se = cf[, 2], t_value = cf[, 3], p_value = cf[, 4],
    vcov = v, df_residual = m$df.residual, dispersion = unname(s$dispersion[1]),
    deviance = m$deviance, null_deviance = m$null.deviance, n_used = length(m$y),
    n_nonzero_weight = sum(m$prior.weights != 0),
    iterations = m$iter, converged = m$converged
  )
  for (nm in names(terms)) {
    rt <- regTermTest(m, terms[[nm]])
    res[[paste0("regTermTest_", nm)]] <- list(Ftest = unname(drop(rt$Ftest)), df = rt$df, ddf = rt$ddf, p = unname(drop(rt$p)))
  }
  res
}
htest_out <- function(x) {
  p <- x$parameter
  list(method = x$method, statistic_name = names(x$statistic), statistic = as.numeric(x$statistic),
       parameter = lapply(as.list(p), as.numeric), p_value = as.numeric(x$p.value))
}
chisq_all <- function(formula, design) {
  tab <- svytable(formula, design)
  res <- list(svytable = matrix(as.numeric(tab), nrow = nrow(tab), dimnames = dimnames(tab)))
  for (st in c("F", "Chisq", "Wald", "adjWald")) res[[st]] <- htest_out(suppressWarnings(svychisq(formula, design, statistic = st)))
  res
}
olr_out <- function(m) {
  s <- summary(m)
  list(coefficients = coef(m)[names(m$coefficients)], zeta = m$zeta, se = sqrt(diag(vcov(m))),
       vcov = vcov(m), coef_table = coef(s), df_residual = m$df.residual, deviance = m$deviance,
       convergence = m$convergence)
}

## -- designs -------------------------------------------------------------------------------
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dsc <- svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = apistrat, nest = TRUE)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
dclus1_ps <- postStratify(dclus1, ~stype, pop.types)

apistrat$mealcat <- cut(apistrat$meals, c(-1, 25, 50, 75, 100))
apistrat$ellcat <- cut(apistrat$ell, c(-1, 10, 30, 100))
apistrat$acs46cat <- cut(apistrat$acs.46, c(0, 27, 30, 50))
apiclus1$ellcat <- cut(apiclus1$ell, c(-1, 10, 30, 100))
dstrat <- update(dstrat, mealcat = apistrat$mealcat, ellcat = apistrat$ellcat, acs46cat = apistrat$acs46cat)
dsc <- update(dsc, mealcat = apistrat$mealcat, ellcat = apistrat$ellcat, acs46cat = apistrat$acs46cat)
dclus1 <- update(dclus1, ellcat = apiclus1$ellcat)

res <- list()
res$quasipoisson_strat_fpc <- glm_out(
  svyglm(api.stu ~ ell + meals + stype, design = dstrat, family = quasipoisson()), list(stype = ~stype))
res$logit_strat_clus <- glm_out(
  svyglm(sch.wide ~ ell + meals + mobility + stype, design = dsc, family = quasibinomial()),
  list(stype = ~stype, ell_meals = ~ell + meals))
res$logit_strat_clus$confint <- confint(svyglm(sch.wide ~ ell + meals + mobility + stype, design = dsc,
                                                family = quasibinomial()))
## a reference level other than the first (R's relevel): coefficients named stype2E, stype2H
dw <- svydesign(id = ~1, weights = ~pw, data = apistrat)
dw <- update(dw, stype2 = relevel(apistrat$stype, "M"))
res$logit_relevel <- glm_out(svyglm(awards ~ ell + meals + stype2, design = dw, family = quasibinomial()),
                             list(stype2 = ~stype2))
res$gaussian_clus1_fpc <- glm_out(svyglm(api00 ~ ell + meals + both, design = dclus1), list(both = ~both))
res$gaussian_missing <- glm_out(svyglm(api00 ~ acs.46 + stype, design = dstrat), list(stype = ~stype))
res$logit_missing_clus <- glm_out(
  svyglm(sch.wide ~ acs.46 + ell, design = dsc, family = quasibinomial()))
res$gaussian_domain <- glm_out(svyglm(api00 ~ ell + meals, design = subset(dstrat, comp.imp == "Yes")))
res$gaussian_poststrat_domain <- glm_out(svyglm(api00 ~ ell + meals, design = subset(dclus1_ps, comp.imp == "Yes")))

res$chisq_strat_clus_2x3 <- chisq_all(~sch.wide + stype, dsc)
res$chisq_strat_clus_3x3 <- chisq_all(~stype + ellcat, dsc)
res$chisq_clus1_3x3 <- chisq_all(~stype + ellcat, dclus1)
res$chisq_strat_missing_3x3 <- chisq_all(~stype + acs46cat, dstrat)
res$chisq_strat_fpc_domain <- chisq_all(~sch.wide + ellcat, subset(dstrat, comp.imp == "Yes"))

res$olr_strat_fpc <- olr_out(svyolr(mealcat ~ ell + stype, design = dstrat))
res$olr_strat_clus <- olr_out(svyolr(mealcat ~ ell + mobility + stype, design = dsc))
res$olr_missing <- olr_out(svyolr(mealcat ~ acs.46 + stype, design = dstrat))
## the same model optimised to (nearly) the exact maximum, Hessian by smaller differences:
## the target of method="newton"
res$olr_strat_fpc_tight <- olr_out(svyolr(mealcat ~ ell + stype, design = dstrat,
                                          control = list(reltol = 1e-16, maxit = 10000, ndeps = rep(1e-5, 6))))
rt <- regTermTest(svyolr(mealcat ~ ell + stype, design = dstrat), ~stype)
res$olr_strat_fpc$regTermTest_stype <- list(Ftest = unname(drop(rt$Ftest)), df = rt$df, ddf = rt$ddf, p = unname(drop(rt$p)))

res$provenance <- paste("R", getRversion(), "survey", as.character(packageVersion("survey")))
writeLines(to_json(res), out)
