"""Country risk: grades, political-risk levels and the market-risk report."""
