"""Errors raised by readers and the parse, kept at the bottom so any layer can raise them."""
from __future__ import annotations


class ParseError(Exception):
    """A file that cannot be read as a decree; the message is for a data officer."""

    def __init__(self, reason: str, page: int | None = None, detail: str = ""):
        super().__init__(reason)
        self.reason, self.page, self.detail = reason, page, detail


class PageLimitExceeded(Exception):
    def __init__(self, n_pages: int, limit: int):
        super().__init__(f"too many pages: {n_pages} (limit {limit})")


class UserError(Exception):
    """A missing or unreadable input the user gave (folder, policy, suite, workbook): the `iki`
    command prints the message on one line and exits 2, since a traceback would only hide it."""
