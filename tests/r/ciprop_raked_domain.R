# svyciprop for a domain of a raked design (R keeps every row of a calibrated design, so
# nrow(design) and the effective-n adjustment of method="beta" use all rows).
# Output: tests/r/ciprop_raked_domain.txt (method, estimate, SE, lower, upper).
# Rscript tests/r/ciprop_raked_domain.R > tests/r/ciprop_raked_domain.txt
suppressPackageStartupMessages(library(survey)); data(api)
dsrs_w <- svydesign(ids=~1, weights=~pw, data=apisrs)
pop.stype   <- data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018))
pop.schwide <- data.frame(sch.wide=c("No","Yes"), Freq=c(1072,5122))
pop.compimp <- data.frame(comp.imp=c("No","Yes"), Freq=c(1712,4482))
draked <- rake(dsrs_w, list(~stype, ~sch.wide, ~comp.imp), list(pop.stype, pop.schwide, pop.compimp), control=list(epsilon=1e-14, maxit=1000))
for (m in c("logit","beta","mean","likelihood")) {
 ci <- svyciprop(~I(awards=="Yes"), subset(draked, stype=="H"), method=m)
 cat(m, sprintf("%.15g", c(coef(ci), SE(ci), confint(ci))), "\n")
}
