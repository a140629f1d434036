"""Pilot De Gezinsverzorger: reach and capacity, outcomes on a small n, heavy care and stacking, costs, regional."""
