"""Domain errors: precise, located, and free of raw identifier values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid field: where it is, a machine code and a human message."""

    loc: Loc
    code: str
    message: str


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidIdentifier(DomainError):
    """A value that cannot be normalised as its kind says."""

    code = "invalid_identifier"

    def __init__(self, kind: str, reason: str, field: str = "value") -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason
        self.field = field  # which part of the identifier is wrong: its kind or its value

    def at(self, *loc: str | int) -> FieldError:
        """This error located at an identifier (``loc``), on its kind or its value."""
        return FieldError((*loc, self.field), self.code, self.message)


class ValidationFailed(DomainError):
    """One or more fields of an input are invalid; nothing of it was written."""

    code = "validation_failed"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else None
        detail = f": {'.'.join(map(str, first.loc))}: {first.message}" if first else ""
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(f"invalid input{detail}{more}")


class PolicyError(DomainError):
    """The merge policy file is malformed or contradicts itself."""

    code = "invalid_policy"
