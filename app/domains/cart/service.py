"""Cart use cases. Every write reloads the cart, applies the rules, and stores it with a
compare-and-set on its version (retried a few times), then answers the priced cart.

Prices always come from the catalog at the moment of the read (`PriceSource`); a line
remembers the unit price the shopper last saw, so a change is flagged, never hidden.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domains.cart.entities import (
    BuyerIdentity,
    Cart,
    Line,
    PricedCart,
    PricedLine,
    VariantPrice,
)
from app.domains.cart.errors import (
    CartBusy,
    CartError,
    CartNotFound,
    CurrencyMismatch,
    InvalidDeliveryOption,
    InvalidQuantity,
    LineNotFound,
    MerchandiseUnavailable,
    TooManyLines,
    UnknownMerchandise,
)
from app.domains.cart.ports import NO_EXTRAS, NO_LIMITS, Availability, Pricer, PriceSource
from app.domains.cart.store import CartStore

# a cart is one shopper's: contention is a double click or two tabs, rarely more
_WRITE_ATTEMPTS = 20
MAX_DISCOUNT_CODES = 10
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Limits:
    max_quantity: int = 100  # per line
    max_lines: int = 100  # per cart


@dataclass(frozen=True, slots=True)
class LineInput:
    variant_id: int
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class LineUpdate:
    line_id: int
    quantity: int | None = None
    variant_id: int | None = None


def new_cart_id() -> str:
    """128 random bits: a guest's cart is as private as this token."""
    return secrets.token_hex(16)


Change = Callable[[Cart], Awaitable[Cart]]
# prices already looked up during the current write (None outside one)
_MEMO: ContextVar[dict[int, VariantPrice | None] | None] = ContextVar("cart_prices", default=None)


class CartService:
    def __init__(
        self,
        store: CartStore,
        *,
        currency: str,
        prices: PriceSource,
        available: Availability = NO_LIMITS,
        pricer: Pricer = NO_EXTRAS,
        limits: Limits = Limits(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.currency = currency
        self.prices = prices
        self.available = available
        self.pricer = pricer
        self.limits = limits
        self.clock = clock

    # --- reads ----------------------------------------------------------------------------

    async def _prices(self, variant_ids: Sequence[int]) -> Mapping[int, VariantPrice]:
        """The catalog's prices; within one write, each variant is asked for once (the
        checks and the answer's pricing share one lookup)."""
        memo = _MEMO.get()
        if memo is None:
            return await self.prices(variant_ids)
        missing = [i for i in variant_ids if i not in memo]
        if missing:
            found = await self.prices(missing)
            memo.update({i: found.get(i) for i in missing})
        return {i: v for i in variant_ids if (v := memo.get(i)) is not None}

    async def get(self, cart_id: str, customer_id: int | None) -> PricedCart | None:
        """The cart, priced now; None when there is none or it belongs to someone else."""
        try:
            cart = await self._visible(cart_id, customer_id)
        except CartNotFound:
            return None
        return await self.price(cart)

    async def _visible(self, cart_id: str, customer_id: int | None) -> Cart:
        """A customer's cart is theirs alone: to anyone else (its id known or not) it does
        not exist. A guest cart is open to whoever holds its id."""
        cart = await self.store.load(cart_id)
        if cart is None or (cart.customer_id is not None and cart.customer_id != customer_id):
            raise CartNotFound("There is no cart with this id", "cartId")
        return cart

    async def price(self, cart: Cart) -> PricedCart:
        """Line and cart costs from the catalog's current prices, plus the pricing quote."""
        found = await self._prices(sorted({ln.variant_id for ln in cart.lines}))
        lines: list[PricedLine] = []
        for ln in cart.lines:
            v = found.get(ln.variant_id)
            unit = v.price if v else ZERO
            changed = v is not None and v.price != ln.seen_price
            subtotal = unit * ln.quantity if v is not None else ZERO
            lines.append(
                PricedLine(
                    line=ln,
                    variant=v,
                    amount_per_quantity=unit,
                    compare_at_per_quantity=v.compare_at_price if v else None,
                    subtotal=subtotal,
                    total=subtotal,
                    price_changed=changed,
                    previous_amount_per_quantity=ln.seen_price if changed else None,
                )
            )
        subtotal = sum((pl.subtotal for pl in lines), ZERO)
        quote = await self.pricer(cart, [pl for pl in lines if pl.variant], subtotal)
        if quote.line_totals:
            lines = [
                dataclasses.replace(pl, total=quote.line_totals.get(pl.line.id, pl.total))
                for pl in lines
            ]
        tax = ZERO if quote.taxes_included else quote.tax
        total = quote.total
        if total is None:
            total = max(ZERO, subtotal - quote.discount) + quote.shipping + tax
        return PricedCart(
            cart=cart,
            lines=tuple(lines),
            subtotal=subtotal,
            discount=quote.discount,
            tax=quote.tax,
            shipping=quote.shipping,
            total=total,
            delivery_options=quote.delivery_options,
            rejected_codes=quote.rejected_codes,
        )

    # --- writes ---------------------------------------------------------------------------

    async def create(
        self,
        customer_id: int | None,
        lines: Sequence[LineInput] = (),
        buyer: BuyerIdentity = BuyerIdentity(),
        discount_codes: Sequence[str] = (),
    ) -> PricedCart:
        """A new cart (owned by `customer_id` when signed in, and then merged with that
        customer's existing cart)."""
        token = _MEMO.set({})
        try:
            return await self._create(customer_id, lines, buyer, discount_codes)
        finally:
            _MEMO.reset(token)

    async def _create(
        self,
        customer_id: int | None,
        lines: Sequence[LineInput],
        buyer: BuyerIdentity,
        discount_codes: Sequence[str],
    ) -> PricedCart:
        now = self.clock()
        cart = Cart(
            id=new_cart_id(),
            currency=self.currency,
            buyer=buyer,
            created_at=now,
            updated_at=now,
            discount_codes=_codes(discount_codes),
        )
        cart = await self._add(cart, lines)
        merged: list[str] = []
        if customer_id is not None:
            cart, merged = await self._attach(cart, customer_id)
        cart = cart.evolve(version=1)
        if not await self.store.save(cart, 0):
            raise CartBusy("The cart could not be created; try again")
        return await self._after_write(cart, merged)

    async def add_lines(
        self, cart_id: str, customer_id: int | None, lines: Sequence[LineInput]
    ) -> PricedCart:
        """Add merchandise; a variant already in the cart adds to its line's quantity."""

        async def change(cart: Cart) -> Cart:
            return await self._add(cart, lines)

        return await self._mutate(cart_id, customer_id, change)

    async def update_lines(
        self, cart_id: str, customer_id: int | None, updates: Sequence[LineUpdate]
    ) -> PricedCart:
        """Set lines' quantities (0 removes the line) or merchandise."""

        async def change(cart: Cart) -> Cart:
            by_id = {ln.id: ln for ln in cart.lines}
            wanted = [u.variant_id for u in updates if u.variant_id is not None]
            found = await self._prices(wanted) if wanted else {}
            for i, u in enumerate(updates):
                ln = by_id.get(u.line_id)
                if ln is None:
                    raise LineNotFound("The cart has no such line", f"lines[{i}].id")
                if u.variant_id is not None and u.variant_id != ln.variant_id:
                    v = found.get(u.variant_id)
                    if v is None:
                        raise UnknownMerchandise(
                            "This merchandise does not exist or cannot be bought",
                            f"lines[{i}].merchandiseId",
                        )
                    ln = Line(ln.id, v.variant_id, ln.quantity, v.price)
                if u.quantity is not None:
                    if u.quantity == 0:
                        by_id.pop(ln.id)
                        continue
                    self._check_quantity(u.quantity, f"lines[{i}].quantity")
                    ln = Line(ln.id, ln.variant_id, u.quantity, ln.seen_price)
                by_id[ln.id] = ln
            kept = tuple(by_id[ln.id] for ln in cart.lines if ln.id in by_id)
            # the shopper has now seen today's price of every line they changed
            touched = {u.line_id for u in updates}
            current = await self._prices([ln.variant_id for ln in kept if ln.id in touched])
            kept = tuple(
                Line(ln.id, ln.variant_id, ln.quantity, current[ln.variant_id].price)
                if ln.id in touched and ln.variant_id in current
                else ln
                for ln in kept
            )
            await self._check_stock(kept, "lines")
            return cart.evolve(lines=_merge_same_variant(kept, self.limits))

        return await self._mutate(cart_id, customer_id, change)

    async def remove_lines(
        self, cart_id: str, customer_id: int | None, line_ids: Sequence[int]
    ) -> PricedCart:
        async def change(cart: Cart) -> Cart:
            present = {ln.id for ln in cart.lines}
            for i, lid in enumerate(line_ids):
                if lid not in present:
                    raise LineNotFound("The cart has no such line", f"lineIds[{i}]")
            gone = set(line_ids)
            return cart.evolve(lines=tuple(ln for ln in cart.lines if ln.id not in gone))

        return await self._mutate(cart_id, customer_id, change)

    async def update_discount_codes(
        self, cart_id: str, customer_id: int | None, codes: Sequence[str]
    ) -> PricedCart:
        async def change(cart: Cart) -> Cart:
            return cart.evolve(discount_codes=_codes(codes))

        return await self._mutate(cart_id, customer_id, change)

    async def update_buyer_identity(
        self,
        cart_id: str,
        customer_id: int | None,
        buyer: dict[str, Any],
        attach_to: int | None = None,
    ) -> PricedCart:
        """Change e-mail or country; `attach_to` (a customer access token's customer) signs
        the cart in: it becomes that customer's, merged with their existing cart."""

        async def change(cart: Cart) -> Cart:
            current = {"email": cart.buyer.email, "country_code": cart.buyer.country_code}
            return cart.evolve(buyer=BuyerIdentity(**{**current, **buyer}))

        return await self._mutate(cart_id, customer_id, change, attach_to=attach_to)

    async def update_shipping_address(
        self, cart_id: str, customer_id: int | None, address: dict[str, Any]
    ) -> PricedCart:
        async def change(cart: Cart) -> Cart:
            # a new address may change what delivers there: choose again
            return cart.evolve(shipping_address=dict(address), delivery_option=None)

        return await self._mutate(cart_id, customer_id, change)

    async def select_delivery_option(
        self, cart_id: str, customer_id: int | None, handle: str
    ) -> PricedCart:
        async def change(cart: Cart) -> Cart:
            offered = {o.handle for o in (await self.price(cart)).delivery_options}
            if handle not in offered:
                raise InvalidDeliveryOption(
                    "This delivery option is not offered for this cart", "deliveryOptionHandle"
                )
            return cart.evolve(delivery_option=handle)

        return await self._mutate(cart_id, customer_id, change)

    async def delete(self, cart_id: str) -> None:
        """Remove the cart from Redis and Postgres (the checkout calls it once the order is
        placed)."""
        await self.store.delete(cart_id)

    # --- the rules ------------------------------------------------------------------------

    async def _mutate(
        self,
        cart_id: str,
        customer_id: int | None,
        change: Change,
        *,
        attach_to: int | None = None,
    ) -> PricedCart:
        owner = attach_to if attach_to is not None else customer_id
        token = _MEMO.set({})
        try:
            return await self._write(cart_id, customer_id, change, owner, attach_to)
        finally:
            _MEMO.reset(token)

    async def _write(
        self,
        cart_id: str,
        customer_id: int | None,
        change: Change,
        owner: int | None,
        attach_to: int | None,
    ) -> PricedCart:
        for attempt in range(_WRITE_ATTEMPTS):
            if attempt:
                # another write won: back off a little (jittered) before reloading
                await asyncio.sleep(random.uniform(0, 0.002 * attempt))
            cart = await self._visible(cart_id, customer_id)
            if cart.currency != self.currency:
                raise CurrencyMismatch(
                    f"This cart is priced in {cart.currency}; the shop now sells in "
                    f"{self.currency}: start a new cart",
                    "cartId",
                )
            if attach_to is not None and cart.customer_id not in (None, attach_to):
                raise CartNotFound("There is no cart with this id", "cartId")
            new = await change(cart)
            merged: list[str] = []
            if owner is not None and cart.customer_id is None:
                new, merged = await self._attach(new, owner)
            new = new.evolve(version=cart.version + 1, updated_at=self.clock())
            if await self.store.save(new, cart.version):
                return await self._after_write(new, merged)
        raise CartBusy("The cart is being changed elsewhere; try again", "cartId")

    async def _after_write(self, cart: Cart, merged: list[str]) -> PricedCart:
        for other in merged:
            await self.store.delete(other)
        if cart.customer_id is not None:
            await self.store.set_customer_cart(cart.customer_id, cart.id)
        return await self.price(cart)

    async def _attach(self, cart: Cart, customer_id: int) -> tuple[Cart, list[str]]:
        """The cart becomes the customer's; their earlier cart's lines join it (quantities
        add up to the per-line limit; lines past the cart's limit are left out)."""
        cart = cart.evolve(customer_id=customer_id)
        other_id = await self.store.customer_cart_id(customer_id)
        if other_id is None or other_id == cart.id:
            return cart, []
        other = await self.store.load(other_id)
        if other is None or other.customer_id != customer_id:
            return cart, []
        lines = list(cart.lines)
        next_id = cart.next_line_id
        for theirs in other.lines:
            mine = next(
                (i for i, ln in enumerate(lines) if ln.variant_id == theirs.variant_id), None
            )
            if mine is not None:
                ln = lines[mine]
                qty = min(ln.quantity + theirs.quantity, self.limits.max_quantity)
                lines[mine] = Line(ln.id, ln.variant_id, qty, ln.seen_price)
            elif len(lines) < self.limits.max_lines:
                lines.append(Line(next_id, theirs.variant_id, theirs.quantity, theirs.seen_price))
                next_id += 1
        codes = _codes([*cart.discount_codes, *other.discount_codes])
        merged = cart.evolve(lines=tuple(lines), next_line_id=next_id, discount_codes=codes)
        return merged, [other_id]

    async def _add(self, cart: Cart, lines: Sequence[LineInput]) -> Cart:
        for i, li in enumerate(lines):
            self._check_quantity(li.quantity, f"lines[{i}].quantity")
        found = await self._prices(sorted({li.variant_id for li in lines}))
        current = list(cart.lines)
        next_id = cart.next_line_id
        for i, li in enumerate(lines):
            v = found.get(li.variant_id)
            if v is None:
                raise UnknownMerchandise(
                    "This merchandise does not exist or cannot be bought",
                    f"lines[{i}].merchandiseId",
                )
            at = next((k for k, ln in enumerate(current) if ln.variant_id == li.variant_id), None)
            if at is not None:
                qty = current[at].quantity + li.quantity
                self._check_quantity(qty, f"lines[{i}].quantity")
                current[at] = Line(current[at].id, li.variant_id, qty, v.price)
            else:
                if len(current) >= self.limits.max_lines:
                    raise TooManyLines(
                        f"A cart holds at most {self.limits.max_lines} lines", f"lines[{i}]"
                    )
                current.append(Line(next_id, li.variant_id, li.quantity, v.price))
                next_id += 1
        await self._check_stock(current, "lines")
        return cart.evolve(lines=tuple(current), next_line_id=next_id)

    def _check_quantity(self, quantity: int, field: str) -> None:
        if not 1 <= quantity <= self.limits.max_quantity:
            raise InvalidQuantity(
                f"The quantity must be between 1 and {self.limits.max_quantity}", field
            )

    async def _check_stock(self, lines: Sequence[Line], field: str) -> None:
        wanted: dict[int, int] = {}
        for ln in lines:
            wanted[ln.variant_id] = wanted.get(ln.variant_id, 0) + ln.quantity
        if not wanted:
            return
        stock = await self.available(sorted(wanted))
        for i, ln in enumerate(lines):
            have = stock.get(ln.variant_id)
            if have is not None and wanted[ln.variant_id] > have:
                raise MerchandiseUnavailable(
                    f"Only {max(have, 0)} of this merchandise can be bought",
                    f"{field}[{i}].quantity",
                )


def _codes(codes: Sequence[str]) -> tuple[str, ...]:
    """Trimmed, upper-cased, each once, in the order given."""
    out: dict[str, None] = {}
    for c in codes:
        c = c.strip().upper()
        if c:
            out[c] = None
    if len(out) > MAX_DISCOUNT_CODES:
        raise CartError(
            f"A cart takes at most {MAX_DISCOUNT_CODES} discount codes", "discountCodes"
        )
    return tuple(out)


def _merge_same_variant(lines: Sequence[Line], limits: Limits) -> tuple[Line, ...]:
    """Two lines of one variant (after a merchandise change) become one."""
    out: list[Line] = []
    for ln in lines:
        at = next((k for k, o in enumerate(out) if o.variant_id == ln.variant_id), None)
        if at is None:
            out.append(ln)
        else:
            o = out[at]
            qty = o.quantity + ln.quantity
            if qty > limits.max_quantity:
                raise InvalidQuantity(
                    f"The quantity must be between 1 and {limits.max_quantity}", "lines"
                )
            out[at] = Line(o.id, o.variant_id, qty, o.seen_price)
    return tuple(out)
