# JSON with exact doubles (17 significant digits, R's exact values) for the R fixtures
# of tests/r/ (sourced by replicates_extra.R and olr_replicates.R, run from the repository root).
json <- function(x) {
  if (is.null(x)) return("null")
  if (is.matrix(x)) {
    rows <- lapply(seq_len(nrow(x)), function(i) unname(x[i, ]))
    return(json(list(rownames = as.list(rownames(x)), colnames = as.list(colnames(x)), values = rows)))
  }
  if (is.list(x)) {
    parts <- vapply(x, json, "")
    if (is.null(names(x))) return(paste0("[", paste(parts, collapse = ","), "]"))
    return(paste0("{", paste0('"', names(x), '":', parts, collapse = ","), "}"))
  }
  text <- if (is.character(x) || is.factor(x)) paste0('"', as.character(x), '"')
          else if (is.logical(x)) ifelse(is.na(x), "null", tolower(as.character(x)))
          else ifelse(is.na(x), "null", sprintf("%.17g", as.numeric(x)))
  if (!is.null(names(x))) return(paste0("{", paste0('"', names(x), '":', text, collapse = ","), "}"))
  if (length(x) == 1) text else paste0("[", paste(text, collapse = ","), "]")
}
