"""Credit assessment: scores, grades, classes A/B/C, reasons and the fitted model."""
