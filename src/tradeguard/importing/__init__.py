"""Reading ledger files (CSV, XLSX) and validating them completely before anything is written."""
