"""What one visit collects, and its wipe. Nothing here outlives the visit except what the outbox stores."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.privacy import PERSONAL_DATA


@dataclass
class Session:
    language: str
    identity: Any = None              # kiosk.identity.Identity once identified
    service_id: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    photo_jpeg: bytes | None = None
    local_ref: str | None = None
    outcome: Any = None               # delivery outcome, when the backend answered in time
    extensions_used: int = 0

    def set_identity(self, identity: Any) -> None:
        self.identity = identity
        words = [getattr(identity, a, "") for a in ("surname", "given_name")]
        PERSONAL_DATA.add(*[w for w in words if w])

    @property
    def is_empty(self) -> bool:
        return (self.identity is None and self.service_id is None and not self.fields
                and self.photo_jpeg is None and self.local_ref is None and self.outcome is None)

    def wipe(self) -> None:
        """Drop every reference to personal data (the photo buffer is overwritten first)."""
        if isinstance(self.photo_jpeg, bytearray):
            self.photo_jpeg[:] = bytes(len(self.photo_jpeg))
        self.identity = None
        self.service_id = None
        self.fields.clear()
        self.photo_jpeg = None
        self.local_ref = None
        self.outcome = None
        self.extensions_used = 0
        PERSONAL_DATA.clear()
