"""The catalog's error tree: each error carries what the caller needs to answer."""


class CatalogError(Exception):
    code = "CATALOG_ERROR"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidProductData(CatalogError):
    """A product to write breaks a catalog rule (bad price, empty title, …)."""

    code = "INVALID"


class DuplicateSku(CatalogError):
    code = "DUPLICATE_SKU"
