"""Credit assessment: ratios, the Altman family, the expert scorecard, PD, grades 1–10,
classes A/B/C, reason codes, recommended limits and the fitted model (pure, vectorised)."""
