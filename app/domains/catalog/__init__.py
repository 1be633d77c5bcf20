"""The catalog context: products, variants, categories, brands, images, attributes.

Other code uses only what this module exports.
"""

from app.domains.catalog.entities import (
    Attribute,
    AttributeFilter,
    Brand,
    Category,
    Image,
    Page,
    Product,
    ProductFilter,
    ProductSortKey,
    SelectedOption,
    Variant,
)
from app.domains.catalog.errors import (
    CatalogError,
    CategoryHasChildren,
    CategoryHasProducts,
    DuplicateSku,
    InvalidProductData,
    NotFound,
    Taken,
    TooManyOptions,
    TooManyVariants,
)
from app.domains.catalog.events import CategoryChanged, ProductChanged
from app.domains.catalog.importer import (
    ImportFileError,
    ImportReport,
    RowError,
    export_file,
    export_format,
    import_file,
    stored_products,
)
from app.domains.catalog.seed import demo_stock, seed_demo
from app.domains.catalog.service import *  # noqa: F403
from app.domains.catalog.service import __all__ as _service_all

CONTEXT = "catalog"

__all__ = [
    "CONTEXT",
    "Attribute",
    "AttributeFilter",
    "Brand",
    "CatalogError",
    "Category",
    "CategoryChanged",
    "CategoryHasChildren",
    "CategoryHasProducts",
    "DuplicateSku",
    "Image",
    "InvalidProductData",
    "NotFound",
    "Taken",
    "TooManyOptions",
    "TooManyVariants",
    "Page",
    "Product",
    "ProductChanged",
    "ProductFilter",
    "ProductSortKey",
    "ImportFileError",
    "ImportReport",
    "RowError",
    "demo_stock",
    "export_file",
    "export_format",
    "import_file",
    "stored_products",
    "seed_demo",
    "SelectedOption",
    "Variant",
    *_service_all,
]
