"""Order screening: each order answered at the door (approve, prepay, cash, hold)."""
