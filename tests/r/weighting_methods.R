# R's weighting methods for the weighting stage's methods (tests/stages/test_weighting.py):
# a two-stage design with base weights (strata country, clusters psu within country), weighted
# to joint country x gender and country x age-group totals by rake(), linear (GREG) and bounded
# logit calibrate(), and post-stratified on country x gender x age group (postStratify()); the
# weights and svymean SEs of a margin variable (gender) and of an item that is no margin
# (any_use) on each calibrated design.
#
# Regenerate from the repository root with
#     Rscript tests/r/weighting_methods.R > tests/r/weighting_methods.json
# (R 4.2 with survey 4.1-1). The data are made here (set.seed) and written to the JSON with
# the results; numbers have 17 significant digits, R's exact doubles.
suppressPackageStartupMessages(library(survey))
source("tests/r/json.R")

set.seed(20261208)
countries <- c("Canada", "Israel")
genders <- c("Man", "Woman")
ages <- c("Under 35", "35-54", "55 and over")
n_psu <- 12
psus <- data.frame(country = rep(countries, each = n_psu), psu = sprintf("P%02d", seq_len(2 * n_psu)))
psus$size <- sample(15:30, nrow(psus), replace = TRUE)
d <- psus[rep(seq_len(nrow(psus)), psus$size), c("country", "psu")]
n <- nrow(d)
d$gender <- sample(genders, n, replace = TRUE, prob = c(0.3, 0.7))
d$age_group <- sample(ages, n, replace = TRUE, prob = c(0.45, 0.35, 0.2))
d$base <- round(runif(n, 5, 15), 3)
p <- plogis(-0.3 + 0.7 * (d$gender == "Woman") + 0.4 * (d$age_group == "55 and over"))
d$any_use <- ifelse(runif(n) < p, "Yes", "No")
d$country <- factor(d$country, levels = countries)
d$gender <- factor(d$gender, levels = genders)
d$age_group <- factor(d$age_group, levels = ages)
d$any_use <- factor(d$any_use, levels = c("No", "Yes"))

pop_gender <- expand.grid(gender = genders, country = countries)[, c("country", "gender")]
pop_gender$Freq <- c(1500, 2600, 1200, 1700)
pop_age <- expand.grid(age_group = ages, country = countries)[, c("country", "age_group")]
pop_age$Freq <- c(1300, 1700, 1100, 900, 1200, 800)
pop_joint <- expand.grid(age_group = ages, gender = genders, country = countries)[, c("country", "gender", "age_group")]
pop_joint$Freq <- c(500, 600, 400, 800, 1100, 700, 400, 500, 300, 500, 700, 500)

design <- svydesign(ids = ~psu, strata = ~country, weights = ~base, data = d)
results <- function(des) {
  list(weights = unname(weights(des)),
       gender = list(estimate = unname(coef(svymean(~gender, des))), se = unname(SE(svymean(~gender, des)))),
       any_use = list(estimate = unname(coef(svymean(~any_use, des))), se = unname(SE(svymean(~any_use, des)))))
}
raked <- rake(design, list(~country + gender, ~country + age_group), list(pop_gender, pop_age),
              control = list(epsilon = 1e-10, maxit = 100))
linear <- calibrate(design, list(~country * gender, ~country * age_group), list(pop_gender, pop_age),
                    calfun = "linear", epsilon = 1e-10, maxit = 100)
logit <- calibrate(design, list(~country * gender, ~country * age_group), list(pop_gender, pop_age),
                   calfun = "logit", bounds = c(0.5, 3), epsilon = 1e-10, maxit = 100)
post <- postStratify(design, ~country + gender + age_group, pop_joint)

cat(json(list(
  r = paste(R.version$major, R.version$minor, sep = "."),
  survey = as.character(packageVersion("survey")),
  data = list(country = as.character(d$country), psu = as.character(d$psu), gender = as.character(d$gender),
              age_group = as.character(d$age_group), any_use = as.character(d$any_use), base = d$base),
  targets = list(
    gender = list(country = as.character(pop_gender$country), level = as.character(pop_gender$gender),
                  total = pop_gender$Freq),
    age_group = list(country = as.character(pop_age$country), level = as.character(pop_age$age_group),
                     total = pop_age$Freq),
    joint = list(country = as.character(pop_joint$country),
                 level = paste(pop_joint$gender, pop_joint$age_group, sep = ":"), total = pop_joint$Freq)
  ),
  base = results(design),
  rake = results(raked),
  linear = results(linear),
  logit = results(logit),
  poststratify = results(post)
)), "\n")
