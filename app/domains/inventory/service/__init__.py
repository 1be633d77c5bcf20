"""Inventory use cases: stock (staff, seed, reads, check), reservations, the sweeper."""
