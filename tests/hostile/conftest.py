"""Hostile input (issue 13): requests built to freeze, exhaust or crash the server, against
the app in process on the real services. The `api` fixture comes from tests/conftest.py."""
