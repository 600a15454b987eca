"""Collections: dunning buyers for overdue invoices, and the letters and e-mails each step sends."""
