"""The order-screening decision."""
