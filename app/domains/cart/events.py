"""Events the cart context publishes (none yet: carts change too often to announce each
write; the checkout reads the cart it is given)."""
