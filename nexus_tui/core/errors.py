"""Expected failures. Each carries a one-line message fit to show a user as is.

Anything that is not a NexusError is a bug and may show a traceback; these never should.
A message must never contain a secret.
"""

from __future__ import annotations


class NexusError(Exception):
    """Base for expected, user-facing failures. `exit_code` follows DESIGN.md §3."""

    exit_code = 1


class BadInput(NexusError):
    """The user gave us something we cannot use (bad file, bad value, bad usage)."""

    exit_code = 2


class ConfigError(BadInput):
    """A config value failed validation: the message names the field, the value and what is allowed."""


class VaultError(NexusError):
    exit_code = 2


class WrongPassword(VaultError):
    def __init__(self, message: str = "wrong master password") -> None:
        super().__init__(message)


class DamagedVault(VaultError):
    def __init__(self, message: str = "config file is damaged or was modified") -> None:
        super().__init__(message)


class VenueError(NexusError):
    """A venue call failed in an expected way (unreachable, rejected, malformed answer)."""

    def __init__(self, venue: str, message: str) -> None:
        super().__init__(f"{venue}: {message}")
        self.venue = venue


class VenueUnavailable(VenueError):
    """Network down, timeout, maintenance, circuit open."""


class VenueAnswered(VenueError):
    """The venue answered, and said no for a reason of the request, not of its own health
    (unknown symbol, unsupported call, unknown order, refused order). The circuit breaker does
    not count these: a venue that answers is up."""


class UnknownSymbol(VenueAnswered):
    """The venue does not list the symbol asked for."""


class NotSupportedByVenue(VenueAnswered):
    """The venue (or our client for it) does not offer the call asked for."""


class UnknownOrder(VenueAnswered):
    """The venue has no order with the id asked for."""


class OrderRejected(VenueAnswered):
    """The venue refused an order."""


class MalformedResponse(VenueError):
    """The venue answered with something we cannot parse."""
