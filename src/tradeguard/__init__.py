"""TradeGuard: bad-debt protection for companies that sell on credit."""

__version__ = "0.1.0"
