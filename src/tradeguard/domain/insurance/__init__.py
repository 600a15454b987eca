"""Trade credit insurance: the policy's terms, the cover on each invoice, the overdue
notification timers, the claim's arithmetic, recoveries and premium."""
