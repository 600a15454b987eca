"""Country rating rules: the composite grade and the political-risk levels."""
