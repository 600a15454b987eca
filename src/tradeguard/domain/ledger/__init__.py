"""The ledger's rules: payment allocation and the snapshot analytics run on."""
