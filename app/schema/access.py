"""Who may call each root field, in one place the authorisation matrix reads
(tests/integration/test_authorization_matrix.py).

A guarded field declares its rule on the field itself, as a permission class
(`staff("MANAGE_X")`, `customer()`, `any_staff()`); a field anyone may call is listed here
with the reason. A root field with neither fails the matrix: nothing is public by accident.
"""

from __future__ import annotations

PUBLIC_FIELDS: dict[str, str] = {
    # the storefront's catalog reads
    "Query.products": "the catalog is public",
    "Query.product": "the catalog is public",
    "Query.categories": "the catalog is public",
    "Query.category": "the catalog is public",
    "Query.node": "resolves catalog objects only (customers and staff are not nodes)",
    "Query.nodes": "resolves catalog objects only (customers and staff are not nodes)",
    "Query.search": "searches the public catalog",
    "Query.predictiveSearch": "searches the public catalog",
    # the token is the credential: the field answers only for the customer it names
    "Query.customer": "Shopify's customer(customerAccessToken:): the argument authorises",
    # signing up, signing in and what needs no session
    "Mutation.customerCreate": "sign-up",
    "Mutation.customerAccessTokenCreate": "sign-in (e-mail and password authorise)",
    "Mutation.customerAccessTokenRenew": "the refresh token authorises",
    "Mutation.customerAccessTokenDelete": "the access token being ended authorises",
    "Mutation.customerRecover": "forgotten password; says nothing about the account",
    "Mutation.customerReset": "the reset token authorises",
    "Mutation.customerSignInWithProviderStart": "sign-in with the identity provider begins "
    "anonymously; it only hands out the provider's URL",
    "Mutation.customerSignInWithProviderComplete": "sign-in: the provider's code, with the "
    "single-use state this server issued, authorises",
    "Mutation.staffAccessTokenCreate": "staff sign-in (e-mail and password authorise)",
    "Mutation.staffAccessTokenRenew": "the refresh token authorises",
    "Mutation.staffAccessTokenDelete": "the access token being ended authorises",
    # carts: guests shop too. The unguessable cart id authorises a guest cart; a customer's
    # cart answers only to that customer signed in (anyone else: null / NOT_FOUND), tested
    # in test_authorization_matrix.py
    # checkout: guests check out. The cart id authorises as the cart's rules say; the
    # unguessable checkout id a guest's checkout; a customer's answers only to that customer
    "Mutation.checkoutComplete": "guests check out; the cart's owner rules apply to its id",
    "Query.checkout": "the checkout id authorises a guest's; a customer's needs its owner",
    "Subscription.checkoutStatus": "checkout(id:)'s rule: the checkout id authorises a "
    "guest's; a customer's needs its owner; anyone else NOT_FOUND",
    "Query.cart": "the cart id authorises a guest cart; a customer's cart needs its owner",
    "Mutation.cartCreate": "guests start carts",
    "Mutation.cartLinesAdd": "the cart id authorises a guest cart; a customer's needs its owner",
    "Mutation.cartLinesUpdate": "the cart id authorises a guest cart; a customer's needs its owner",
    "Mutation.cartLinesRemove": "the cart id authorises a guest cart; a customer's needs its owner",
    "Mutation.cartDiscountCodesUpdate": "the cart id authorises a guest cart; "
    "a customer's needs its owner",
    "Mutation.cartBuyerIdentityUpdate": "the cart id authorises a guest cart; a customer's needs "
    "its owner; a customer access token in the input is verified",
    "Mutation.cartShippingAddressUpdate": "the cart id authorises a guest cart; "
    "a customer's needs its owner",
    "Mutation.cartSelectedDeliveryOptionUpdate": "the cart id authorises a guest cart; "
    "a customer's needs its owner",
    # orders: each answers only whom the arguments authorise, NOT_FOUND to anyone else
    "Query.order": "its customer or MANAGE_ORDERS staff; anyone else NOT_FOUND (no probing)",
    "Query.orderByNumber": "guest lookup: number, e-mail and the lookup token all authorise",
    "Subscription.orderUpdated": "order(id:)'s rule (its customer or MANAGE_ORDERS staff), or "
    "a guest with the order's e-mail and lookup token; anyone else NOT_FOUND",
}
