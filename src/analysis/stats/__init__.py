"""General estimators (difference-in-differences, interrupted time series) that fit any data, not only ours."""
