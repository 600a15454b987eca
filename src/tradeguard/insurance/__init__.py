"""Trade credit insurance: the policy, the insurer's limits, cover, overdue notifications,
claims with recoveries, and premium declarations (docs/insurance.md)."""
