"""A deterministic demo catalog: same seed, same products, byte for byte.

Generation is pure (`demo_drafts`); `seed_demo` writes the drafts through the same
`upsert_products` use case as every other write, so re-seeding updates instead of
duplicating and every product announces itself on the outbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from app.domains.catalog import demo_images
from app.domains.catalog.service import (
    ImageDraft,
    ProductDraft,
    VariantDraft,
    slugify,
    upsert_products,
)
from app.platform.db import Database
from app.platform.images import STORE_PREFIX, ImageStore, image_dir, store_url

_CONTEXT = "catalog"  # the package's CONTEXT; a literal so the package may import this module

# "Nice" price points, roughly log-spaced: choosing uniformly between two indices is
# close to log-uniform, and the arithmetic stays in integers (no libm in the output).
_LADDER = tuple(
    Decimal(p)
    for p in (
        "4.99 5.99 6.99 7.99 8.99 9.99 12.99 14.99 16.99 19.99 22.00 24.99 29.00 29.99 34.99 "
        "39.00 39.99 44.99 49.00 49.99 54.99 59.00 64.99 69.00 74.99 79.00 89.00 99.00 109.00 "
        "119.00 129.00 139.00 149.00 169.00 179.00 199.00 219.00 249.00 279.00 299.00 329.00 "
        "349.00 399.00 449.00 499.00 549.00 599.00 649.00 699.00 749.00 799.00 849.00 899.00"
    ).split()
)


@dataclass(frozen=True)
class _Dim:
    name: str
    values: tuple[str, ...]
    priced: bool  # later values cost more (bigger size, more capacity)


@dataclass(frozen=True)
class _Leaf:
    path: tuple[str, ...]
    product_type: str
    price: tuple[int, int]  # ladder indices
    grams: tuple[int, int]
    nouns: tuple[str, ...]
    dims: tuple[_Dim, ...]
    material: tuple[str, tuple[str, ...]]  # attribute name, values
    shapes: tuple[tuple[int, ...], ...]  # how many values of each dim, at most 6 variants


# One block per leaf category:
#   path | product type | price range | weight range (g)
#   nouns for titles
#   option dimensions, "/"-separated ("+" after a name: later values cost more)
#   material-like attribute
_TAXONOMY = """
Apparel > Men > Shirts | Shirt | 19.99-129.00 | 180-320
  Oxford Shirt, Linen Shirt, Flannel Shirt, Poplin Shirt, Chambray Shirt, Polo Shirt
  Color: $WEAR / Size: S, M, L, XL, XXL
  Material: Cotton, Linen, Organic Cotton, Cotton Blend

Apparel > Men > Jeans | Jeans | 39.00-199.00 | 550-900
  Slim Jeans, Straight Jeans, Selvedge Jeans, Tapered Jeans, Carpenter Jeans
  Wash: Indigo, Black, Light Wash, Rinse / Waist: 30, 32, 34, 36, 38
  Material: Denim, Selvedge Denim, Stretch Denim

Apparel > Men > Outerwear > Rain Jackets | Jacket | 79.00-349.00 | 300-800
  Rain Jacket, Shell Jacket, Packable Anorak, Waterproof Parka
  Color: $WEAR / Size: S, M, L, XL, XXL
  Material: Recycled Nylon, Polyester, Waxed Cotton

Apparel > Women > Dresses | Dress | 29.00-219.00 | 200-600
  Wrap Dress, Midi Dress, Slip Dress, Shirt Dress, Maxi Dress, Sweater Dress
  Color: $WEAR / Size: XS, S, M, L, XL, XXL
  Material: Viscose, Silk, Cotton, Linen, Tencel

Apparel > Women > Tops | Top | 12.99-99.00 | 120-300
  Crew Tee, Tank Top, Silk Blouse, Boxy Tee, Henley
  Color: $WEAR / Size: XS, S, M, L, XL, XXL
  Material: Cotton, Silk, Modal, Organic Cotton

Apparel > Women > Knitwear | Sweater | 49.00-249.00 | 300-700
  Cardigan, Crewneck Sweater, Turtleneck, Cable Knit Sweater
  Color: $WEAR / Size: XS, S, M, L, XL, XXL
  Material: Merino Wool, Cashmere, Alpaca Blend, Cotton

Apparel > Kids > T-Shirts | T-Shirt | 7.99-29.99 | 80-180
  Graphic Tee, Pocket Tee, Striped Tee, Long Sleeve Tee
  Color: $WEAR / Size: 2T, 3T, 4T, 5, 6, 8
  Material: Organic Cotton, Cotton

Footwear > Men > Sneakers | Sneaker | 59.00-199.00 | 700-1100
  Court Sneaker, Runner, Canvas Sneaker, Trail Runner, Low-Top Sneaker
  Color: White, Black, Grey, Navy, Bone / Size: US 8, US 9, US 10, US 11, US 12
  Material: Leather, Suede, Canvas, Recycled Mesh

Footwear > Women > Boots | Boot | 89.00-329.00 | 800-1500
  Chelsea Boot, Ankle Boot, Hiking Boot, Lace-Up Boot
  Color: Black, Tan, Chestnut, Oxblood / Size: US 6, US 7, US 8, US 9, US 10
  Material: Leather, Suede, Waxed Leather

Home > Kitchen > Cookware | Cookware | 24.99-399.00 | 900-5500
  Skillet, Saucepan, Dutch Oven, Saute Pan, Wok, Stockpot
  Size+: 8 in, 10 in, 12 in, 14 in
  Material: Cast Iron, Stainless Steel, Carbon Steel, Enameled Cast Iron, Copper

Home > Kitchen > Knives | Knife | 19.99-299.00 | 80-300
  Chef's Knife, Paring Knife, Santoku, Bread Knife, Utility Knife
  Blade Length+: 6 in, 8 in, 10 in
  Material: German Steel, Damascus Steel, VG-10 Steel, Ceramic

Home > Kitchen > Coffee & Tea | Coffee Gear | 9.99-249.00 | 200-2500
  Pour-Over Kettle, French Press, Burr Grinder, Tea Infuser, Cold Brew Maker
  Capacity+: 350 ml, 600 ml, 1 L
  Material: Borosilicate Glass, Stainless Steel, Ceramic, Bamboo

Home > Bedding > Sheets | Bedding | 29.00-329.00 | 600-2500
  Sheet Set, Duvet Cover, Pillowcase Pair, Quilt
  Size+: Twin, Full, Queen, King / Color: White, Oat, Sage, Slate, Blush
  Material: Percale Cotton, Sateen Cotton, Linen, Tencel

Home > Bath > Towels | Towel | 9.99-89.00 | 150-1200
  Bath Towel, Hand Towel Set, Waffle Towel, Turkish Towel, Bath Mat
  Color: White, Stone, Sea Glass, Terracotta, Charcoal / Size+: Hand, Bath, Bath Sheet
  Material: Turkish Cotton, Organic Cotton, Linen

Home > Decor > Candles | Candle | 4.99-64.99 | 90-900
  Soy Candle, Pillar Candle, Travel Tin Candle, Three-Wick Candle
  Scent: Cedar & Sage, Fig, Sea Salt, Amber, Lavender, Black Tea
  Material: Soy Wax, Beeswax, Coconut Wax

Home > Furniture > Chairs | Chair | 129.00-899.00 | 4000-15000
  Lounge Chair, Dining Chair, Desk Chair, Counter Stool
  Finish: Natural Oak, Walnut, Black Ash
  Material: Oak, Walnut, Ash, Powder-Coated Steel

Electronics > Audio > Headphones | Headphones | 19.99-449.00 | 30-350
  Over-Ear Headphones, Noise-Cancelling Headphones, Wireless Earbuds, Sport Earbuds
  Color: $TECH
  Material: Aluminum, Recycled Plastic, Protein Leather

Electronics > Audio > Speakers | Speaker | 29.99-799.00 | 300-9000
  Bluetooth Speaker, Bookshelf Speakers, Soundbar, Smart Speaker, Party Speaker
  Color: $TECH
  Material: Fabric, Aluminum, Walnut Veneer

Electronics > Computers > Accessories > Keyboards | Keyboard | 39.99-249.00 | 500-1300
  Mechanical Keyboard, Low-Profile Keyboard, Compact Keyboard, Ergonomic Keyboard
  Switch: Linear, Tactile, Clicky / Layout: ANSI, ISO
  Material: Aluminum, PBT Plastic, ABS Plastic

Electronics > Computers > Monitors | Monitor | 149.00-899.00 | 3000-9000
  4K Monitor, Ultrawide Monitor, Gaming Monitor, Portable Monitor
  Screen Size+: 24 in, 27 in, 32 in
  Material: Aluminum, Recycled Plastic

Electronics > Phones > Cases | Phone Case | 9.99-59.00 | 30-90
  Phone Case, Folio Case, Clear Case, Rugged Case
  Model: Phone 13, Phone 14, Phone 15, Phone 15 Pro / Color: $TECH
  Material: Silicone, TPU, Leather, Recycled Plastic

Electronics > Cameras > Lenses | Lens | 199.00-899.00 | 200-1100
  Prime Lens, Zoom Lens, Macro Lens, Wide-Angle Lens
  Mount: E-Mount, RF-Mount, Z-Mount, X-Mount
  Material: Metal, Engineering Plastic

Outdoor > Camping > Tents | Tent | 89.00-899.00 | 900-9000
  Backpacking Tent, Dome Tent, Tunnel Tent, Family Tent, Bivy Shelter
  Capacity+: 1-Person, 2-Person, 3-Person, 4-Person, 6-Person
  Material: Ripstop Nylon, Polyester, Silnylon, Dyneema

Outdoor > Camping > Sleeping Bags | Sleeping Bag | 49.00-449.00 | 600-2000
  Down Sleeping Bag, Synthetic Sleeping Bag, Mummy Bag, Camp Blanket
  Length+: Regular, Long / Zip: Left Zip, Right Zip
  Insulation: Goose Down, Duck Down, Synthetic Fill

Outdoor > Camping > Cooking > Stoves | Stove | 24.99-249.00 | 80-5000
  Backpacking Stove, Two-Burner Stove, Camp Stove, Wood Stove
  Fuel: Canister, Liquid Fuel, Multi-Fuel
  Material: Titanium, Stainless Steel, Aluminum

Outdoor > Hiking > Backpacks | Backpack | 39.00-349.00 | 500-2200
  Daypack, Hiking Pack, Trekking Pack, Hydration Pack
  Volume+: 18 L, 28 L, 40 L, 55 L / Color: $GEAR
  Material: Ripstop Nylon, Cordura, Recycled Polyester

Outdoor > Cycling > Helmets | Helmet | 39.00-299.00 | 250-450
  Road Helmet, Mountain Bike Helmet, Commuter Helmet, Gravel Helmet
  Size: S, M, L / Color: $GEAR
  Material: Polycarbonate, EPS Foam

Beauty > Skincare > Moisturizers | Moisturizer | 9.99-89.00 | 50-250
  Face Cream, Night Cream, Gel Moisturizer, Day Cream SPF 30
  Size+: 30 ml, 50 ml, 100 ml
  Key Ingredient: Hyaluronic Acid, Niacinamide, Squalane, Ceramides

Beauty > Fragrance > Eau de Parfum | Fragrance | 29.00-249.00 | 120-450
  Eau de Parfum, Eau de Toilette, Parfum Oil
  Volume+: 30 ml, 50 ml, 100 ml
  Notes: Bergamot, Vetiver, Oud, Neroli, Sandalwood, Iris

Sports > Fitness > Yoga Mats | Yoga Mat | 19.99-149.00 | 900-2500
  Yoga Mat, Travel Mat, Cork Yoga Mat, Alignment Mat
  Thickness+: 3 mm, 5 mm, 6 mm / Color: $GEAR
  Material: Natural Rubber, TPE, Cork

Sports > Fitness > Dumbbells | Dumbbell | 9.99-549.00 | 2300-5000
  Hex Dumbbell, Adjustable Dumbbell, Neoprene Dumbbell, Kettlebell
  Weight+: 5 lb, 10 lb, 15 lb, 25 lb, 50 lb
  Material: Cast Iron, Neoprene, Rubber-Coated Steel

Grocery > Coffee > Whole Bean | Coffee | 6.99-64.99 | 250-1000
  Espresso Blend, Single Origin Coffee, Decaf Roast, House Blend, Cold Brew Blend
  Size+: 250 g, 500 g, 1 kg / Grind: Whole Bean, Espresso, Filter
  Origin: Ethiopia, Colombia, Guatemala, Kenya, Brazil, Sumatra
"""

_PALETTES = {
    "$WEAR": "Black, White, Navy, Grey, Olive, Rust, Sand, Forest Green, Burgundy, Sky Blue",
    "$TECH": "Black, Silver, White, Midnight Blue, Sage",
    "$GEAR": "Forest Green, Orange, Slate, Sand, Red, Blue",
}


def _split(text: str, sep: str = ",") -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(sep))


def _parse_taxonomy(text: str) -> tuple[_Leaf, ...]:
    leaves = []
    for block in text.strip().split("\n\n"):
        head, nouns, dims, material = (line.strip() for line in block.splitlines())
        path, ptype, price, grams = _split(head, "|")
        lo, hi = price.split("-")
        g_lo, g_hi = grams.split("-")
        mat_name, _, mat_values = material.partition(":")
        parsed_dims = []
        for spec in _split(dims, "/"):
            name, _, values = spec.partition(":")
            values = _PALETTES.get(values.strip(), values)
            parsed_dims.append(_Dim(name.rstrip("+"), _split(values), name.endswith("+")))
        shapes: list[tuple[int, ...]] = [()]
        for dim in parsed_dims:
            shapes = [(*s, k) for s in shapes for k in range(1, len(dim.values) + 1)]
        leaves.append(
            _Leaf(
                path=_split(path, ">"),
                product_type=ptype,
                price=(_LADDER.index(Decimal(lo)), _LADDER.index(Decimal(hi))),
                grams=(int(g_lo), int(g_hi)),
                nouns=_split(nouns),
                dims=tuple(parsed_dims),
                material=(mat_name, _split(mat_values)),
                shapes=tuple(s for s in shapes if math.prod(s) <= 6),
            )
        )
    return tuple(leaves)


_LEAVES = _parse_taxonomy(_TAXONOMY)

_BRANDS = {
    "Apparel": (
        "Northwind Outfitters",
        "Harbor & Pine",
        "Quill & Loom",
        "Saltmarsh",
        "Bramble",
        "Fieldnote",
    ),
    "Footwear": ("Kestrel", "Ironbark", "Northwind Outfitters", "Fieldnote"),
    "Home": (
        "Alder Home",
        "Ferro Kitchenworks",
        "Copperleaf",
        "Pebble & Co.",
        "Oak & Ember",
        "Solace",
    ),
    "Electronics": ("Lumen Audio", "Nimbus Labs", "Voltline", "Tessera", "Mistral"),
    "Outdoor": (
        "Trailcraft",
        "Granite Peak",
        "Brightwater",
        "Velo Supply",
        "Arcadia",
        "Northwind Outfitters",
    ),
    "Beauty": ("Aurora Skin", "Solace", "Saltmarsh"),
    "Sports": ("Velo Supply", "Kestrel", "Arcadia", "Ironbark"),
    "Grocery": ("Oak & Ember", "Copperleaf", "Brightwater"),
}

_ADJECTIVES = {
    "Apparel": "Classic Everyday Relaxed Tailored Heritage Essential Washed Modern Vintage Soft",
    "Footwear": "Classic Everyday Heritage Lightweight Modern All-Weather Cushioned Minimal Rugged",
    "Home": "Artisan Classic Everyday Professional Nordic Rustic Minimalist Heritage Handcrafted",
    "Electronics": "Pro Studio Compact Portable Ultra Smart Essential Advanced Slim Active",
    "Outdoor": "Ultralight Alpine Expedition Trail Backcountry Rugged Compact Weatherproof",
    "Beauty": "Hydrating Gentle Daily Radiance Nourishing Restorative Pure Botanical",
    "Sports": "Pro Essential Performance Studio Compact Everyday Training",
    "Grocery": "Signature Morning Bright Smooth Bold Small-Batch Classic",
}

_LINES = (
    "Aspen Meridian Nova Cascade Summit Tidal Juniper Orion Halcyon Fjord Sable Willow Atlas Ember "
    "Drift Solstice Cedar Linden Marlow Sierra Coda Vega Lark Rowan Tamarack Birch Haven Pacifica "
    "Basalt Mesa Harbor Cove Alder Quarry Larkspur Wren"
).split()

_EXTRAS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Apparel": (
        ("Fit", ("Slim", "Regular", "Relaxed")),
        ("Care", ("Machine wash cold", "Hand wash", "Dry clean only")),
    ),
    "Footwear": (("Fit", ("True to size", "Runs small", "Wide")),),
    "Home": (("Collection", ("Signature", "Essentials", "Atelier")),),
    "Electronics": (("Warranty", ("1 year", "2 years", "3 years")),),
    "Outdoor": (("Use", ("Backpacking", "Car Camping", "Thru-Hiking", "Everyday")),),
    "Beauty": (("Cruelty Free", ("Yes",)),),
    "Sports": (("Level", ("Beginner", "Intermediate", "Advanced")),),
    "Grocery": (("Roast", ("Light", "Medium", "Dark")),),
}

_PITCH = (
    "designed to be used every day and to last for years",
    "built around a few details that make a real difference",
    "a quiet upgrade you will reach for again and again",
    "made in small runs with materials chosen for how they age",
    "our most requested piece, refined over several seasons",
)
_PROMISE = (
    "Free shipping on orders over $50 and free returns within 30 days.",
    "Free standard shipping on every order.",
    "Ships in recyclable, plastic-free packaging.",
)
_MADE_OF = {
    "Material": "Made from {}",
    "Insulation": "Filled with {}",
    "Key Ingredient": "Formulated with {}",
    "Notes": "With notes of {}",
    "Origin": "Sourced from {}",
}
_VIEWS = ("front view", "detail", "in use", "side view")
_SALE_STEPS = (2, 3, 4, 5)


def demo_drafts(products: int = 240, seed: int = 7) -> Iterator[ProductDraft]:
    """Exactly `products` realistic drafts; the same arguments yield the same drafts."""
    rng = random.Random(seed)
    titles: set[str] = set()
    handles: set[str] = set()
    order: list[_Leaf] = []
    for i in range(products):
        if not order:  # every leaf once per round, in a fresh order: categories stay balanced
            order = list(_LEAVES)
            rng.shuffle(order)
        yield _product(rng, i, order.pop(), titles, handles)


def _product(
    rng: random.Random, i: int, leaf: _Leaf, titles: set[str], handles: set[str]
) -> ProductDraft:
    group = leaf.path[0]
    brand = rng.choice(_BRANDS[group])
    adjectives = _ADJECTIVES[group].split()
    for _ in range(8):
        noun = rng.choice(leaf.nouns)
        title = f"{rng.choice(adjectives)} {rng.choice(_LINES)} {noun}"
        if title not in titles:
            break
    titles.add(title)
    handle = base = slugify(title)
    n = 1
    while handle in handles:
        n += 1
        handle = f"{base}-{n}"
    handles.add(handle)

    mat_name, mat_values = leaf.material
    materials = sorted(
        rng.sample(mat_values, 1 if len(mat_values) < 3 or rng.random() < 0.7 else 2)
    )
    named = [v for v in mat_values if v.lower() in noun.lower()]  # a "Linen Shirt" is linen
    if named:
        materials = named[:1]
    attributes = [(mat_name, v) for v in materials]
    attributes += [(name, rng.choice(values)) for name, values in _EXTRAS[group]]

    variants = _variants(rng, i, brand, leaf)
    on_sale = variants[0].compare_at_price is not None
    tags = [slugify(group), slugify(leaf.path[-1]), slugify(materials[0])]
    tags += [
        t
        for t, p in (("new-arrival", 0.15), ("bestseller", 0.1), ("gift-idea", 0.1))
        if rng.random() < p
    ]
    if on_sale:
        tags.append("sale")

    # one shot per colour first (storefronts swap them on selection), then other views
    colors = list(
        dict.fromkeys(val for v in variants for name, val in v.options if name == "Color")
    )
    views = [f"in {c}" for c in colors] + list(_VIEWS)
    # drawn into the image store by `seed_demo` (demo_images), so every URL loads
    images = tuple(
        ImageDraft(
            store_url(f"demo/{handle}-{k}.jpg"),
            f"{title}, {views[k - 1]}",
            demo_images.SIZE,
            demo_images.SIZE,
        )
        for k in range(1, rng.randint(1, 4) + 1)
    )

    features = "".join(f"<li>{escape(f'{name}: {value}')}</li>" for name, value in attributes)
    description = (
        f"<p>The {escape(title)} from {escape(brand)} is {rng.choice(_PITCH)}.</p>"
        f"<p>{escape(_MADE_OF[mat_name].format(' and '.join(materials)))}. "
        f"Available in {len(variants)} {'option' if len(variants) == 1 else 'options'}.</p>"
        f"<ul>{features}</ul><p>{escape(rng.choice(_PROMISE))}</p>"
    )
    return ProductDraft(
        handle=handle,
        title=title,
        variants=variants,
        description_html=description,
        product_type=leaf.product_type,
        tags=tuple(tags),
        brand=brand,
        category_path=leaf.path,
        images=images,
        attributes=tuple(attributes),
    )


def _variants(rng: random.Random, i: int, brand: str, leaf: _Leaf) -> tuple[VariantDraft, ...]:
    # a grid of option values with at most 6 cells; a few products have no options at all
    picks: list[list[int]] = []
    if rng.random() >= 0.1:
        for dim, k in zip(leaf.dims, rng.choice(leaf.shapes), strict=True):
            picks.append(sorted(rng.sample(range(len(dim.values)), k)))
    dims = leaf.dims[: len(picks)]

    lo, hi = leaf.price
    base = rng.randint(lo, hi)
    sale = rng.choice(_SALE_STEPS) if rng.random() < 0.25 else 0
    grams = rng.randrange(leaf.grams[0], leaf.grams[1] + 1, 5)
    code = brand.upper().replace(" ", "")[:3]
    cells: list[tuple[tuple[str, str], ...]] = [()]
    steps = [0]
    for dim, chosen in zip(dims, picks, strict=True):
        cells = [(*c, (dim.name, dim.values[k])) for c in cells for k in chosen]
        steps = [s + (n if dim.priced else 0) for s in steps for n in range(len(chosen))]
    out = []
    for j, (options, step) in enumerate(zip(cells, steps, strict=True)):
        rung = min(base + 2 * step, len(_LADDER) - 1)
        compare = _LADDER[rung + sale] if sale and rung + sale < len(_LADDER) else None
        out.append(
            VariantDraft(
                sku=f"{code}-{i + 1:05d}-{j + 1:02d}",
                price=_LADDER[rung],
                options=options,
                compare_at_price=compare,
                weight_grams=grams + step * grams // 4,
            )
        )
    return tuple(out)


def demo_stock(sku: str) -> int:
    """A stable stock figure for a SKU (0 to 250, about 8% sold out), for the inventory seed."""
    h = int.from_bytes(hashlib.blake2b(sku.encode(), digest_size=8).digest(), "big")
    return 0 if h % 100 < 8 else 1 + (h >> 8) % 250


async def seed_demo(
    db: Database,
    products: int = 240,
    *,
    progress: Callable[[int, int], None] | None = None,
    seed: int = 7,
    batch_size: int = 50,
    images: ImageStore | None = None,
) -> int:
    """Upsert the demo catalog, `batch_size` products per transaction, and draw its images
    into the image store (default: IMAGE_DIR's); returns how many products."""
    written = 0
    batch: list[ProductDraft] = []
    drafts = list(demo_drafts(products, seed))
    store = images or ImageStore(image_dir(db.settings))
    pictures = [(i.url.removeprefix(STORE_PREFIX), i.alt or "") for d in drafts for i in d.images]
    # drawing is CPU work in a thread, alongside the database writes
    drawing = asyncio.create_task(asyncio.to_thread(demo_images.write, store, pictures))

    async def flush() -> None:
        nonlocal written
        async with db.uow(_CONTEXT) as uow:
            await upsert_products(uow, batch)
            await uow.commit()
        written += len(batch)
        batch.clear()
        if progress is not None:
            progress(written, products)

    try:
        for draft in drafts:
            batch.append(draft)
            if len(batch) >= batch_size:
                await flush()
        if batch:
            await flush()
    finally:
        await drawing
    return written
