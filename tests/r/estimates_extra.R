# Extra reference values from R's survey package for tests/survey/test_ciprop.py,
# tests/survey/test_by.py and tests/survey/test_design.py (lonely PSUs).
#
# Regenerate from the repository root with
#     Rscript tests/r/estimates_extra.R > tests/r/estimates_extra.json
# (R 4.2 with survey 4.1-1, Debian's r-cran-survey; data(api) is the same data as the shared
# reference folder's CSV files). Numbers are written with 17 significant digits, so they
# are R's exact doubles.
#
# Covered: svyciprop by every method on a stratified and a clustered design and in a
# domain; svyciprop "wilson" (which survey 4.1-1 does not have) from its definition
# below; svyby on a clustered design with the joint covariance across domains, computed
# independently as svyratio(covmat=TRUE) of domain-indicator ratios; lonely-PSU rules.
suppressMessages(library(survey))
data(api)

num <- function(x) {
  x <- as.numeric(x)
  ifelse(is.na(x), "null", sprintf("%.17g", x))
}
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.list(x)) {
    keys <- names(x)
    parts <- vapply(seq_along(x), function(i) {
      paste0(inner, '"', keys[i], '": ', to_json(x[[i]], inner))
    }, "")
    return(paste0("{\n", paste(parts, collapse = ",\n"), "\n", indent, "}"))
  }
  if (is.character(x)) {
    v <- paste0('"', x, '"')
  } else {
    v <- num(x)
  }
  if (length(x) == 1 && is.null(names(x))) return(v)
  if (!is.null(names(x))) {
    return(paste0("{", paste0('"', names(x), '": ', v, collapse = ", "), "}"))
  }
  paste0("[", paste(v, collapse = ", "), "]")
}

ciprop_all <- function(formula, design, ...) {
  out <- list()
  for (m in c("logit", "likelihood", "asin", "beta", "mean", "xlogit")) {
    r <- svyciprop(formula, design, method = m, ...)
    ci <- attr(r, "ci")
    out[[m]] <- list(estimate = as.numeric(r), se = sqrt(as.numeric(attr(r, "var"))),
                     ci_lower = ci[[1]], ci_upper = ci[[2]])
  }
  # Wilson score interval on the effective sample size p(1-p)/var, t quantile on the
  # design df: the definition swsurvey uses (survey 4.1-1 has no method="wilson").
  mm <- svymean(eval(bquote(~as.numeric(.(formula[[2]])))), design, ...)
  p <- as.numeric(coef(mm)); v <- as.numeric(vcov(mm))
  n <- p * (1 - p) / v
  z <- qt(0.975, degf(design))
  centre <- (p + z^2 / (2 * n)) / (1 + z^2 / n)
  half <- z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2)) / (1 + z^2 / n)
  out[["wilson"]] <- list(estimate = p, se = sqrt(v), ci_lower = centre - half,
                          ci_upper = centre + half)
  out[["degf"]] <- degf(design)
  out
}

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)

res <- list()
res$ciprop_strat_schwide <- ciprop_all(~I(sch.wide == "Yes"), dstrat)
res$ciprop_clus1_awards <- ciprop_all(~I(awards == "Yes"), dclus1)
res$ciprop_strat_domain_H_awards <- ciprop_all(~I(awards == "Yes"), subset(dstrat, stype == "H"))
res$ciprop_clus1_domain_E_schwide <- ciprop_all(~I(sch.wide == "Yes"), subset(dclus1, stype == "E"))
# missing values: df, nrow() and svyglm's weight rescaling come from the design given
res$ciprop_strat_na_rm_acsk3 <- ciprop_all(~I(acs.k3 > 20), dstrat, na.rm = TRUE)
lv <- svyciprop(~I(sch.wide == "Yes"), dclus1, method = "likelihood", level = 0.9, df = Inf)
xl <- svyciprop(~I(sch.wide == "Yes"), dclus1, method = "xlogit", level = 0.9, df = Inf)
res$ciprop_clus1_level90_normal <- list(
  likelihood = list(estimate = as.numeric(lv), ci_lower = attr(lv, "ci")[[1]], ci_upper = attr(lv, "ci")[[2]]),
  xlogit = list(estimate = as.numeric(xl), ci_lower = attr(xl, "ci")[[1]], ci_upper = attr(xl, "ci")[[2]]))

# svyby on the clustered design, with design effects, and the joint covariance of the
# domain means computed as ratios of totals (an independent route to the same numbers)
b <- svyby(~api00, ~stype, dclus1, svymean, deff = TRUE)
b2 <- svyby(~enroll, ~stype + sch.wide, dclus1, svytotal)
apiclus1$dE <- as.numeric(apiclus1$stype == "E")
apiclus1$dH <- as.numeric(apiclus1$stype == "H")
apiclus1$dM <- as.numeric(apiclus1$stype == "M")
apiclus1$yE <- apiclus1$api00 * apiclus1$dE
apiclus1$yH <- apiclus1$api00 * apiclus1$dH
apiclus1$yM <- apiclus1$api00 * apiclus1$dM
dclus1b <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
r <- svyratio(~yE + yH + yM, ~dE + dH + dM, dclus1b, covmat = TRUE)
keep <- c(1, 5, 9)  # yE/dE, yH/dH, yM/dM in vec(ratio) order
res$svyby_clus1_mean_api00_by_stype <- list(
  stype = as.character(b$stype), api00 = b$api00, se = b$se, DEff = b$DEff,
  joint_vcov = as.vector(r$vcov[keep, keep]))
res$svyby_clus1_total_enroll_by_stype_schwide <- list(
  stype = as.character(b2$stype), sch_wide = as.character(b2$sch.wide),
  enroll = b2$enroll, se = b2$se)

# lonely PSUs: apiclus1 with its 15 districts put in strata A (the first district alone),
# B (the next 7) and C (the last 7)
ds <- sort(unique(apiclus1$dnum))
apiclus1$st <- ifelse(apiclus1$dnum == ds[1], "A", ifelse(apiclus1$dnum %in% ds[2:8], "B", "C"))
lonely <- list()
for (rule in c("adjust", "remove", "certainty", "average")) {
  options(survey.lonely.psu = rule)
  dl <- svydesign(id = ~dnum, strata = ~st, weights = ~pw, data = apiclus1)
  m <- svymean(~api00 + enroll, dl)
  t <- svytotal(~enroll, dl)
  by <- svyby(~api00, ~stype, dl, svymean)
  if (rule == "adjust") {
    # survey 4.1-1 centres a lonely stratum's PSU total at zero; survey >= 4.2 (and
    # swsurvey) at the grand mean of PSU totals, colSums(x) / number of PSUs. For means the
    # two agree (influence values sum to zero); for this total the >= 4.2 variance is
    # survey 4.1-1's with the lonely PSU's term zA^2 replaced by (zA - zbar)^2.
    zA <- sum((apiclus1$pw * apiclus1$enroll)[apiclus1$st == "A"])
    zbar <- sum(apiclus1$pw * apiclus1$enroll) / length(ds)
    lonely$adjust_total_enroll_se_recentred <- sqrt(SE(t)^2 - zA^2 + (zA - zbar)^2)
  }
  lonely[[rule]] <- list(mean_estimate = coef(m), mean_se = SE(m),
                         mean_vcov = as.vector(vcov(m)), total_enroll = coef(t),
                         total_enroll_se = SE(t), by_stype_api00 = by$api00, by_stype_se = by$se,
                         degf = degf(dl))
}
options(survey.lonely.psu = "fail")
dl <- svydesign(id = ~dnum, strata = ~st, weights = ~pw, data = apiclus1)
lonely$fail_message <- tryCatch({svymean(~api00, dl); "no error"}, error = function(e) conditionMessage(e))
res$lonely_psu <- lonely

# ratios, missing values, multivariate svyvar, factor totals
rt <- svyratio(~api.stu, ~enroll, dclus1, deff = TRUE)
rm2 <- svyratio(~api.stu + meals, ~enroll, dclus1, covmat = TRUE)
mn <- svymean(~acs.k3 + acs.46, dstrat, na.rm = TRUE, deff = TRUE)
vv <- svyvar(~api00 + enroll, dstrat)
tf <- svytotal(~stype, dclus1, deff = TRUE)
res$misc <- list(
  ratio_clus1 = list(ratio = as.numeric(rt$ratio), se = sqrt(as.numeric(rt$var)),
                     deff = as.numeric(attr(rt, "deff"))),
  ratio_two_covmat = list(ratio = as.vector(rm2$ratio), vcov = as.vector(rm2$vcov)),
  mean_na_rm_strat = list(estimate = coef(mn), se = SE(mn), deff = deff(mn)),
  svyvar_two_strat = list(estimate = as.vector(vv), se = as.vector(SE(vv))),
  total_stype_clus1 = list(estimate = coef(tf), se = SE(tf), deff = deff(tf)))

res$r_version <- R.version.string
res$survey_version <- as.character(packageVersion("survey"))
cat(to_json(res), "\n")
