"""Errors the use cases raise on purpose; the API maps each to one HTTP status in one place."""

from __future__ import annotations

from collections.abc import Sequence

from resolvers.errors import DomainError, FieldError


class NotFound(DomainError):
    """The thing named does not exist."""

    code = "not_found"

    def __init__(self, message: str, code: str = "not_found") -> None:
        super().__init__(message)
        self.code = code


class Conflict(DomainError):
    """The request contradicts what is stored (an id reused with another body, say)."""

    code = "conflict"

    def __init__(
        self, message: str, code: str = "conflict", errors: Sequence[FieldError] = ()
    ) -> None:
        super().__init__(message)
        self.code = code
        self.errors = list(errors)


class Unprocessable(DomainError):
    """The request is well-formed but asks for something that cannot be done."""

    code = "unprocessable"

    def __init__(self, message: str, code: str = "unprocessable") -> None:
        super().__init__(message)
        self.code = code


class Busy(DomainError):
    """The service is at a configured limit (open streams, say): try again shortly."""

    code = "busy"

    def __init__(self, message: str, code: str = "busy") -> None:
        super().__init__(message)
        self.code = code
