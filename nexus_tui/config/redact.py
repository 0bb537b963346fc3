"""Keep secrets out of logs: a logging filter that masks every secret value it has been given.

Install it once per process with `install_redaction(vault.secrets() + [password])`. It masks
the formatted message, the exception text and the stack text of every record, whichever logger
emitted it and whichever handler writes it (it is applied when each record is created, and can
also be attached to a handler as an ordinary filter).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

MASK = "********"


class SecretRedactor(logging.Filter):
    """A logging filter that replaces each known secret value with ********."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            merged = set(self._secrets) | {s for s in secrets if s}
            # Longest first, so a secret containing another is masked whole.
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def clear(self) -> None:
        with self._lock:
            self._secrets = ()

    def __len__(self) -> int:
        return len(self._secrets)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTOR = SecretRedactor()
_installed = False
_install_lock = threading.Lock()


def install_redaction(secrets: Iterable[str] = ()) -> SecretRedactor:
    """Add `secrets` to the process-wide redactor and make sure every log record passes it."""
    global _installed
    REDACTOR.add(secrets)
    with _install_lock:
        if not _installed:
            previous = logging.getLogRecordFactory()

            def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                REDACTOR.filter(record)
                return record

            logging.setLogRecordFactory(redacting_factory)
            _installed = True
    return REDACTOR
