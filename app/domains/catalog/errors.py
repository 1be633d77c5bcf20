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


class TooManyVariants(InvalidProductData):
    code = "TOO_MANY_VARIANTS"


class TooManyOptions(InvalidProductData):
    code = "TOO_MANY_OPTIONS"


class NotFound(CatalogError):
    """The product, variant, image or category named does not exist (or not where named)."""

    code = "NOT_FOUND"


class Taken(CatalogError):
    """A handle (or a category's name under its parent) already belongs to another object."""

    code = "TAKEN"


class CategoryHasChildren(CatalogError):
    code = "HAS_CHILDREN"


class CategoryHasProducts(CatalogError):
    code = "HAS_PRODUCTS"
