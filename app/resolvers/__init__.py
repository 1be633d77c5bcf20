"""Resolver functions and DataLoaders: they call domain services, never the ORM."""
