"""Fault injection for the simulated backend, set from the CLI or the /admin/faults route."""
from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields

MALFORMED_KINDS = ("truncated", "not_json", "empty", "wrong_types", "missing_field", "html", "array")


@dataclass
class Faults:
    error_rate: float = 0.0          # share of calls answered 500/502/503 (no Retry-After) before any work
    latency_ms: int = 0              # delay before handling each call
    processing_ms: int = 0           # time a POST /v1/requests stays "in progress" (a retry meanwhile gets 409)
    unavailable_retry_after: int | None = None   # every call gets 503 (or 429) with this Retry-After
    unavailable_status: int = 503
    drop_rate: float = 0.0           # share of calls whose connection is dropped AFTER the work was done
    malformed_rate: float = 0.0      # share of successful replies replaced by a malformed body (work done)
    drip_ms: int = 0                 # send each reply one byte every drip_ms milliseconds
    override_status: int | None = None   # answer every /v1 call with this status and override_body, no work done
    override_body: str = ""          # (latin-1: each character is one byte, so any bytes can be sent)
    override_retry_after: str | None = None
    seed: int | None = None

    def update(self, values: dict) -> None:
        known = {f.name: f for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(known)}")
            if key in ("error_rate", "drop_rate", "malformed_rate"):
                if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                    raise ValueError(f"{key} must be a number from 0 to 1, found {value!r}")
                value = float(value)
            elif key == "unavailable_retry_after":
                if value is not None and (not isinstance(value, int) or value < 0):
                    raise ValueError(f"{key} must be whole seconds or null, found {value!r}")
            elif key == "unavailable_status":
                if value not in (429, 503):
                    raise ValueError(f"{key} must be 429 or 503, found {value!r}")
            elif key == "override_status":
                if value is not None and (not isinstance(value, int) or not 100 <= value <= 599):
                    raise ValueError(f"{key} must be an HTTP status or null, found {value!r}")
            elif key in ("override_body", "override_retry_after"):
                if not isinstance(value, str) and not (key == "override_retry_after" and value is None):
                    raise ValueError(f"{key} must be text, found {value!r}")
                if isinstance(value, str):
                    try:
                        value.encode("latin-1")
                    except UnicodeEncodeError:
                        raise ValueError(f"{key} must be latin-1 text (one character per byte)") from None
            elif key == "seed":
                if value is not None and not isinstance(value, int):
                    raise ValueError(f"seed must be a whole number, found {value!r}")
            elif not isinstance(value, int) or value < 0:
                raise ValueError(f"{key} must be a whole number of milliseconds, found {value!r}")
            setattr(self, key, value)

    def as_dict(self) -> dict:
        return asdict(self)


class FaultDice:
    """Thread-safe random draws for the faults (seedable, so a failing run can be replayed)."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._lock = threading.Lock()
        self._rng = random.Random(faults.seed)

    def reseed(self) -> None:
        with self._lock:
            self._rng = random.Random(self.faults.seed)

    def hit(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def choice(self, items):
        with self._lock:
            return self._rng.choice(items)
