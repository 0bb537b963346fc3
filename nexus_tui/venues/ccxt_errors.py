"""ccxt's exceptions -> ours (core/errors.py), with a one-line message that never holds a secret.

ccxt messages often carry the venue's raw answer and sometimes the request URL (whose query
string may hold a signature or a key), so the message is cut to one line, URLs lose their query,
every configured secret is blanked, and the length is capped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ccxt

from nexus_tui.core.errors import (
    MalformedResponse,
    NotSupportedByVenue,
    OrderRejected,
    UnknownOrder,
    UnknownSymbol,
    VenueError,
    VenueUnavailable,
)

_MAX_LEN = 160
_URL_QUERY = re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']*")
_LONG_HEX = re.compile(r"\b(0x)?[0-9a-fA-F]{40,}\b")  # keys, signatures, wallet secrets
_SPACES = re.compile(r"\s+")

# ccxt's parsers raise plain Python errors when an answer does not have the shape they expect
PARSE_FAILURES: tuple[type[BaseException], ...] = (
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
    ArithmeticError,
)


def clean_message(text: str, secrets: Iterable[str] = ()) -> str:
    """One line, no URL query strings, no secret, no long hex blob, at most _MAX_LEN characters."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _URL_QUERY.sub(r"\1?…", text)
    text = _LONG_HEX.sub("***", text)
    text = _SPACES.sub(" ", text).strip()
    return _cap(text) or "no details"


def _cap(text: str) -> str:
    return text[: _MAX_LEN - 1] + "…" if len(text) > _MAX_LEN else text


def _reason(exc: BaseException, venue: str, secrets: Iterable[str]) -> str:
    text = str(exc)
    # ccxt prefixes its messages with the exchange id; we prefix with the venue id ourselves
    for prefix in (venue + " ", venue + ": "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return clean_message(text, secrets)


def translate(
    exc: BaseException, venue: str, op: str, secrets: Iterable[str] = (), *, placing_order: bool = False
) -> VenueError:
    """The VenueError a caller sees for `exc` raised during `op` on `venue`.

    `placing_order`: a request the venue refused as malformed (BadRequest: bad precision, bad
    size) is an order rejection when it was an order, a plain venue error otherwise.

    An unknown symbol, an unsupported call and an unknown order become VenueAnswered errors:
    the venue answered, so its VenueGuard does not count them against its health.
    """
    if isinstance(exc, VenueError):
        return exc
    reason = _reason(exc, venue, secrets)
    if isinstance(exc, ccxt.AuthenticationError):  # includes PermissionDenied, AccountSuspended
        return VenueError(venue, f"API key rejected ({op}): {reason}")
    if isinstance(exc, ccxt.OrderNotFound):
        return UnknownOrder(venue, f"order not found ({op}): {reason}")
    if isinstance(exc, ccxt.InsufficientFunds):
        return OrderRejected(venue, f"insufficient funds: {reason}")
    if isinstance(exc, ccxt.InvalidOrder) or (placing_order and isinstance(exc, ccxt.BadRequest)):
        return OrderRejected(venue, f"order rejected: {reason}")
    if isinstance(exc, ccxt.NetworkError):  # RequestTimeout, ExchangeNotAvailable, DDoSProtection, ...
        kind = "timeout" if isinstance(exc, ccxt.RequestTimeout) else "unreachable"
        if isinstance(exc, ccxt.DDoSProtection | ccxt.RateLimitExceeded):
            kind = "rate limited"
        cause = exc.__cause__
        if cause is not None and str(cause).strip():
            # ccxt's own text is only "<id> <method> <url>"; why (DNS, refused, TLS) is in the cause
            reason = _cap(f"{reason}: {clean_message(str(cause), secrets)}")
        return VenueUnavailable(venue, f"{kind} ({op}): {reason}")
    if isinstance(exc, ccxt.BadResponse | ccxt.NullResponse):
        return MalformedResponse(venue, f"malformed answer to {op}: {reason}")
    if isinstance(exc, ccxt.OperationFailed):  # "may succeed if retried" (e.g. Binance -1001)
        return VenueUnavailable(venue, f"temporarily failed ({op}): {reason}")
    if isinstance(exc, ccxt.BadSymbol):
        return UnknownSymbol(venue, f"unknown symbol ({op}): {reason}")
    if isinstance(exc, ccxt.NotSupported):
        return NotSupportedByVenue(venue, f"{op} is not supported by this venue")
    if isinstance(exc, ccxt.BaseError):
        return VenueError(venue, f"{op} failed: {reason}")
    if isinstance(exc, PARSE_FAILURES):
        return MalformedResponse(venue, f"malformed answer to {op}: {type(exc).__name__}: {reason}")
    if isinstance(exc, OSError):
        return VenueUnavailable(venue, f"network error ({op}): {reason}")
    return VenueError(venue, f"{op} failed: {type(exc).__name__}: {reason}")
