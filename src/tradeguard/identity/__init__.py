"""Identity: organisations, users, tokens, sessions, and who may do what."""
