"""Masking of personal data, applied to every log record and to anything else that leaves a visit.

The codice fiscale keeps its first six letters and the last character (RSSMRA*********U), enough for a
technician to match a complaint, too little to identify a person. Names known for the current visit are masked
wherever they appear.
"""
from __future__ import annotations

import logging
import re
import threading

# 16-character codice fiscale, with omocodia letters in the digit positions.
_CF = re.compile(r"([A-Z]{6})([0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3})([A-Z])",
                 re.IGNORECASE)


def mask_codice_fiscale(text: str) -> str:
    return _CF.sub(lambda m: m.group(1).upper() + "*" * len(m.group(2)) + m.group(3).upper(), text)


class PersonalDataRegistry:
    """Words (names of the citizen now at the totem) that must never reach a log."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern | None = None

    def add(self, *words: str) -> None:
        with self._lock:
            for w in words:
                if w and len(w.strip()) >= 2:
                    self._words.add(w.strip())
            self._pattern = re.compile("|".join(re.escape(w) for w in sorted(self._words, key=len, reverse=True)),
                                       re.IGNORECASE) if self._words else None

    def clear(self) -> None:
        with self._lock:
            self._words.clear()
            self._pattern = None

    def mask(self, text: str) -> str:
        pattern = self._pattern
        text = mask_codice_fiscale(text)
        if pattern is not None:
            text = pattern.sub(lambda m: m.group(0)[0] + "***", text)
        return text


PERSONAL_DATA = PersonalDataRegistry()


class MaskingFilter(logging.Filter):
    """Rewrites each record's final message with personal data masked (args are folded in first)."""

    def __init__(self, registry: PersonalDataRegistry = PERSONAL_DATA) -> None:
        super().__init__()
        self.registry = registry

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception as exc:  # a bad format string must still leave a trace, not an exception
            message = f"{record.msg!r} (unformattable: {exc})"
        record.msg = self.registry.mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.registry.mask(record.exc_text)
        return True
