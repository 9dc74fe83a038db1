# The synthetic wave and population targets of tests/r/raked_stage.R and
# tests/r/raked_replicates.R (sourced by both, run from the repository root): 900 respondents
# in three countries, and joint country x gender and country x age-group totals.
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

# The estimates both fixtures give of a design: shares in Canada and overall, and Israel's
# any_use with its beta interval.
wave_estimates <- function(des) {
  canada <- subset(des, country == "Canada")
  israel <- subset(des, country == "Israel")
  list(israel = israel, m_use = svymean(~any_use, canada), m_gender = svymean(~gender, canada),
       m_all = svymean(~any_use, des), ci = svyciprop(~I(any_use == "Yes"), israel, method = "beta"))
}
