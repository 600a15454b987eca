"""The ledger: buyers, financial statements, invoices, payments, allocations, FX rates."""
