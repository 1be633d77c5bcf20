"""Emporium: a headless commerce GraphQL API."""
