"""Which gemeente's own client registration this project loads (the synthetic microdata in ``data.synthetic`` are
calibrated to its public figures). One constant, kept in a module without imports so that the analyses, the report
pipeline and the CLI can name it without loading pandas or statsmodels; every other gemeente gets reports on real
data only."""

REGISTRATION_GEMEENTE = "GM0014"
REGISTRATION_GEMEENTE_NAAM = "Groningen"
