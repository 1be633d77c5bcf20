"""The customers context's error tree: each error carries the stable code clients match.

Codes follow Shopify's CustomerErrorCode where one fits (TAKEN, UNIDENTIFIED_CUSTOMER,
TOKEN_INVALID, …)."""


class CustomersError(Exception):
    code = "CUSTOMERS_ERROR"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(CustomersError):
    code = "INVALID"


class EmailTaken(CustomersError):
    code = "TAKEN"


class PasswordTooShort(CustomersError):
    code = "PASSWORD_TOO_SHORT"


class PasswordTooLong(CustomersError):
    code = "PASSWORD_TOO_LONG"


class BadCredentials(CustomersError):
    """Unknown e-mail or wrong password: one message for both, so it reveals neither."""

    code = "UNIDENTIFIED_CUSTOMER"

    def __init__(self) -> None:
        super().__init__("Unidentified customer: the e-mail or the password is wrong")


class Throttled(CustomersError):
    code = "THROTTLED"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


class TokenInvalid(CustomersError):
    """An access, refresh or reset token that is unknown, tampered, expired or spent."""

    code = "TOKEN_INVALID"


class NotFound(CustomersError):
    """Absent, or someone else's: a customer cannot tell the two apart."""

    code = "NOT_FOUND"


class TooManyAddresses(CustomersError):
    code = "TOO_MANY_ADDRESSES"


class StaffDeactivated(CustomersError):
    code = "DEACTIVATED"
