"""Collections: the dunning ladder, promises to pay and what each step produces."""
