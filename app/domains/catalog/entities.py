"""What the catalog hands out: immutable read models, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

# listings hand out the platform's Page
from app.platform.pagination import Page as Page


class ProductSortKey(Enum):
    ID = "id"
    TITLE = "title"
    PRICE = "min_price"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    VENDOR = "vendor"


@dataclass(frozen=True, slots=True)
class SelectedOption:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Variant:
    id: int
    product_id: int
    sku: str | None  # optional: without one a variant is known by its product and options
    title: str
    options: tuple[SelectedOption, ...]
    price: Decimal
    compare_at_price: Decimal | None
    weight_grams: Decimal
    position: int


@dataclass(frozen=True, slots=True)
class Image:
    id: int
    product_id: int
    url: str
    alt: str | None
    position: int
    width: int | None
    height: int | None


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    handle: str
    title: str
    description: str
    parent_id: int | None
    depth: int
    position: int


@dataclass(frozen=True, slots=True)
class Brand:
    id: int
    handle: str
    name: str


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    handle: str
    title: str
    # None where the merchant gave none (never "")
    description_html: str | None
    product_type: str | None
    tags: tuple[str, ...]
    vendor: str | None
    brand_id: int | None
    category_id: int | None
    status: str
    min_price: Decimal
    max_price: Decimal
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AttributeFilter:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ProductFilter:
    category_id: int | None = None
    brand: str | None = None
    attributes: tuple[AttributeFilter, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    # a category's own listing (Category.products): inside it, on top of `category_id`
    within_category_id: int | None = None
