"""Data layer: io (reading/writing, errors), schemas (pandera), sources (CBS), geography, synthetic, pipeline."""
