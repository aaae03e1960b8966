"""Settlement tests: the ledger, the outbox relay and the adapters on real services."""
