"""Collections: the dunning ladder, its letters, e-mails, calls and hand-overs, promises to pay."""
