"""The search context's errors, each with the stable code clients switch on."""


class SearchError(Exception):
    code = "SEARCH_ERROR"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class SearchUnavailable(SearchError):
    """The search engine did not answer: the catalog still works, search does not."""

    code = "SEARCH_UNAVAILABLE"


class InvalidSearchInput(SearchError):
    code = "BAD_USER_INPUT"
