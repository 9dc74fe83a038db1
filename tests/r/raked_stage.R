# R's raked design for the pipeline's calibrated SEs (tests/stages/test_designs.py): a small
# synthetic wave, stratified by country, raked within country to joint country x gender and
# country x age-group totals, as the weighting stage rakes, then svymean, svyciprop, svychisq
# and svyglm on the raked design (their SEs include the calibration) and, for comparison,
# on the same weights held fixed (a plain svydesign of the raked weights).
#
# Regenerate from the repository root with
#     Rscript tests/r/raked_stage.R > tests/r/raked_stage.json
# (R 4.2 with survey 4.1-1). The data are made here (set.seed) and written to the JSON with
# the results; numbers have 17 significant digits, R's exact doubles.
suppressPackageStartupMessages(library(survey))
source("tests/r/json.R")

set.seed(20261207)
n <- 900
countries <- c("Canada", "Israel", "United States")
genders <- c("Man", "Woman")
ages <- c("Under 35", "35-54", "55 and over")
country <- sample(countries, n, replace = TRUE, prob = c(0.45, 0.25, 0.30))
gender <- sample(genders, n, replace = TRUE, prob = c(0.2, 0.8))
age_group <- sample(ages, n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
p <- plogis(-0.2 + 0.6 * (gender == "Woman") + 0.5 * (age_group == "55 and over") - 0.4 * (country == "Israel"))
any_use <- ifelse(runif(n) < p, "Yes", "No")
d <- data.frame(
  country = factor(country, levels = countries),
  gender = factor(gender, levels = genders),
  age_group = factor(age_group, levels = ages),
  any_use = factor(any_use, levels = c("No", "Yes")),
  one = 1
)
# Population totals (synthetic): more men and more older people than the sample has.
pop_gender <- expand.grid(gender = genders, country = countries)[, c("country", "gender")]
pop_gender$Freq <- c(4000, 9000, 1500, 3500, 30000, 52000)
pop_age <- expand.grid(age_group = ages, country = countries)[, c("country", "age_group")]
pop_age$Freq <- c(3000, 5000, 5000, 1000, 2000, 2000, 20000, 32000, 30000)

design <- svydesign(ids = ~1, strata = ~country, weights = ~one, data = d)
raked <- rake(design, list(~country + gender, ~country + age_group), list(pop_gender, pop_age),
              control = list(epsilon = 1e-10, maxit = 100))
d$w <- weights(raked)
fixed <- svydesign(ids = ~1, strata = ~country, weights = ~w, data = d)

results <- function(des) {
  canada <- subset(des, country == "Canada")
  israel <- subset(des, country == "Israel")
  m_use <- svymean(~any_use, canada)
  m_gender <- svymean(~gender, canada)
  m_all <- svymean(~any_use, des)
  ci <- svyciprop(~I(any_use == "Yes"), israel, method = "beta")
  chisq <- svychisq(~any_use + country, des, statistic = "F")
  fit <- svyglm(I(any_use == "Yes") ~ gender + age_group + country, des, family = quasibinomial())
  list(
    canada_any_use = list(estimate = coef(m_use), se = SE(m_use)),
    canada_gender = list(estimate = coef(m_gender), se = SE(m_gender)),
    all_any_use = list(estimate = coef(m_all), se = SE(m_all)),
    israel_ciprop_beta = list(estimate = unname(coef(ci)), se = unname(SE(ci)), ci = unname(confint(ci)[1, ])),
    chisq_F = list(statistic = unname(chisq$statistic), ndf = unname(chisq$parameter["ndf"]),
                   ddf = unname(chisq$parameter["ddf"]), p = unname(chisq$p.value)),
    glm = list(terms = names(coef(fit)), estimate = unname(coef(fit)), se = unname(SE(fit)))
  )
}

cat(json(list(
  r = paste(R.version$major, R.version$minor, sep = "."),
  survey = as.character(packageVersion("survey")),
  data = list(country = as.character(d$country), gender = as.character(d$gender),
              age_group = as.character(d$age_group), any_use = as.character(d$any_use)),
  targets = list(
    gender = list(country = as.character(pop_gender$country), level = as.character(pop_gender$gender),
                  population_count = pop_gender$Freq),
    age_group = list(country = as.character(pop_age$country), level = as.character(pop_age$age_group),
                     population_count = pop_age$Freq)
  ),
  weights = unname(weights(raked)),
  raked = results(raked),
  fixed = results(fixed)
)), "\n")
