# Reference values for tests/survey/test_diagnostics.py: weight summaries (the reference
# conventions' w_summary: plain R arithmetic, quantile type 7) overall and by group.
# Run from the repository root:  Rscript tests/r/weight_summary.R  (writes weight_summary.json)
suppressPackageStartupMessages(library(survey))
data(api)
w_summary <- function(w) {
  q <- quantile(w, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
  c(n = length(w), sum = sum(w), mean = mean(w), sd = sd(w), min = min(w), q1_type7 = q[1],
    median = q[2], q3_type7 = q[3], max = max(w), kish_deff = length(w) * sum(w^2) / sum(w)^2,
    kish_neff = sum(w)^2 / sum(w^2))
}
num_obj <- function(x) structure(paste0("{", paste(sprintf('"%s":%s', names(x),
  ifelse(is.na(x), "null", sprintf("%.17g", x))), collapse = ","), "}"), class = "json")
num_arr <- function(x) structure(paste0("[", paste(sprintf("%.17g", x), collapse = ","), "]"), class = "json")

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
draked <- rake(dstrat, list(~stype, ~sch.wide, ~comp.imp),
               list(data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018)),
                    data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122)),
                    data.frame(comp.imp = c("No", "Yes"), Freq = c(1712, 4482))),
               control = list(epsilon = 1e-13, maxit = 200))
w <- weights(draked)
by_group <- function(g) lapply(split(w, g), function(x) num_obj(w_summary(x)))
small <- list(one = c(2.5), two = c(1, 4), five = c(3, 1, 2, 2, 10), ties = c(5, 5, 5, 5))
out <- list(
  weights = num_arr(w),
  overall = num_obj(w_summary(w)),
  by_stype = by_group(apistrat$stype),
  by_awards = by_group(apistrat$awards),
  small = lapply(small, function(x) list(weights = num_arr(x), summary = num_obj(w_summary(x))))
)
writeLines(as.character(jsonlite::toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, pretty = TRUE)),
           "tests/r/weight_summary.json")
