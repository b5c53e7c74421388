"""The Learn pages' figures, one module per page: plain functions from a demonstration's
results (duck-typed, or the arrays they hold) to plotly figures; the computations stay in
ui/learn/."""
