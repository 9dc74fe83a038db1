# Reference values from R's survey package for tests/survey/test_calling_convention.py: the
# library's calls written as R writes them (formula strings, R's argument order, R's
# population totals, subset()/update(), R's result names and column names).
#
# Regenerate from the repository root with
#     Rscript tests/r/calling_convention.R > tests/r/calling_convention.json
# (R 4.2 with survey 4.1-1; data(api) is the data of the shared reference folder's CSVs).
suppressPackageStartupMessages(library(survey))
source("tests/r/json.R")
data(api)

dclus1 <- svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus2 <- svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
dstrat <- svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
stat <- function(m) list(names = names(coef(m)), coef = unname(coef(m)), vcov = unname(vcov(m)),
                         confint = unname(confint(m)), confint90 = unname(confint(m, level = 0.9)))
pop.stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))

out <- list()
# svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2): two stages, weights from the fpc
out$clus2_mean <- stat(svymean(~api00 + stype, dclus2))
out$clus2_weights <- unname(weights(dclus2))
out$clus1_total <- stat(svytotal(~enroll, dclus1))
out$clus1_ratio <- stat(svyratio(~api00, ~api99, dclus1))

# svyby with formulas for variables and by; R's column names, coef order and SE
b <- svyby(~api00 + api99, ~stype, dclus1, svymean, deff = TRUE, covmat = TRUE)
out$by_mean2 <- list(columns = names(b), names = names(coef(b)), coef = unname(coef(b)),
                     se = unname(SE(b)), vcov = unname(vcov(b)), confint = unname(confint(b)),
                     deff = unname(deff(b)))
b1 <- svyby(~api00, ~stype + sch.wide, dclus1, svytotal, deff = TRUE)
out$by_total_two <- list(columns = names(b1), names = names(coef(b1)), coef = unname(coef(b1)),
                         se = unname(SE(b1)), deff = unname(deff(b1)))
br <- svyby(~api00, ~stype, dclus1, svyratio, denominator = ~api99, deff = TRUE)
bp <- svyby(~I(sch.wide == "Yes"), ~stype, dclus1, svyciprop)
out$by_ciprop <- list(columns = gsub("\"", "\\\\\"", names(bp)), coef = unname(coef(bp)), se = unname(SE(bp)))
out$by_ratio <- list(columns = names(br), coef = unname(coef(br)), deff = unname(deff(br)))

q <- svyquantile(~api00 + enroll, dclus1, quantiles = c(0.25, 0.5))
out$quantile <- list(names = names(coef(q)),
                     coef = unname(coef(q)), confint = unname(confint(q)), se = unname(SE(q)))

# svyciprop with R's indicator expressions
ci_case <- function(formula, design, method) {
  r <- svyciprop(formula, design, method = method)
  list(name = gsub("\"", "\\\\\"", names(r)), coef = unname(coef(r)), se = unname(SE(r)), confint = unname(confint(r)))
}
out$ciprop_stype_beta <- ci_case(~I(stype == "E"), dclus1, "beta")
out$ciprop_api_logit <- ci_case(~I(api00 > 700), dclus1, "logit")
out$ciprop_schwide_xlogit <- ci_case(~I(sch.wide != "No"), dstrat, "xlogit")

# svytable and svychisq with ~row + col
tab <- svytable(~sch.wide + stype, dclus1)
out$svytable <- list(rows = rownames(tab), cols = colnames(tab), values = unname(as.matrix(tab)))
x <- svychisq(~sch.wide + stype, dclus1)
out$svychisq <- list(statistic = unname(x$statistic), ndf = unname(x$parameter[1]),
                     ddf = unname(x$parameter[2]), p = unname(x$p.value))

# rake with R's two lists; postStratify with a formula; calibrate with R's named totals
draked <- rake(dclus1, list(~stype, ~sch.wide), list(pop.stype, pop.schwide),
               control = list(epsilon = 1e-13, maxit = 200))
out$rake <- list(weights = unname(weights(draked)), mean = stat(svymean(~api00, draked)))
dps <- postStratify(dclus1, ~stype, pop.stype)
out$poststratify <- list(weights = unname(weights(dps)), mean = stat(svymean(~api00, dps)))
dcal <- calibrate(dclus1, ~stype + api99,
                  c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069))
out$calibrate <- list(weights = unname(weights(dcal)), mean = stat(svymean(~api00, dcal)))

# trimWeights(design, upper, lower): R's positional order
dtrim <- trimWeights(draked, 40, 25)
out$trim <- list(weights = unname(weights(dtrim)), mean = stat(svymean(~api00, dtrim)))

# subset keeps the design (a domain): linearization and replicate designs
dsub <- subset(dclus1, stype == "E" & api00 > 600)
out$subset <- list(mean = stat(svymean(~api00 + enroll, dsub)), degf = degf(dsub))
rclus1 <- as.svrepdesign(dclus1, type = "JK1")
rsub <- subset(rclus1, sch.wide == "Yes" & !(stype == "H"))
out$subset_rep <- list(mean = stat(svymean(~api00, rsub)), degf = degf(rsub))

# update adds variables, the design unchanged
dup <- update(dclus1, apidiff = api00 - api99, high = api00 > 700)
out$update <- stat(svymean(~apidiff + high, dup))
rup <- update(rclus1, apidiff = api00 - api99)
out$update_rep <- stat(svytotal(~apidiff, rup))

# svyolr: coef (coefficients, then cut-points, R's coef(intercepts = TRUE)) and confint
# (confint.default: normal quantiles); a design updated with a cut() of meals
dolr <- update(dstrat, mealcat = cut(meals, c(-1, 25, 50, 75, 100)))
m <- svyolr(mealcat ~ ell + stype, design = dolr)
out$olr <- list(names = names(coef(m)), coef = unname(coef(m)), confint = unname(confint(m)),
                confint90 = unname(confint(m, level = 0.9)), vcov = unname(vcov(m)))

cat(json(out), "\n")
