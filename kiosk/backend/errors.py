"""Typed failures of a backend call, so the outbox sender decides retry / reject / alert by type, not by text."""
from __future__ import annotations


class BackendError(Exception):
    """Any failed call. ``str()`` is one clear sentence for the log or the technician."""


class TransientError(BackendError):
    """Network trouble, time-out, 5xx, 409 in progress: try again later with backoff."""


class RetryAfterError(TransientError):
    """429/503 with Retry-After: the backend told us how long to wait."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class InProgressError(TransientError):
    """409: the backend is still processing this Idempotency-Key."""


class MissingBlobError(TransientError):
    """422 missing_blob: an attachment must be uploaded (again) before the request."""


class MalformedReplyError(BackendError):
    """The reply could not be read or did not match the contract. Retried a few times, then an alert."""


class RejectedError(BackendError):
    """The backend refused the citizen's data (422 validation) or the service (404). Never retried."""

    def __init__(self, message: str, code: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.fields = dict(fields or {})


class CredentialsError(BackendError):
    """401/403, or a token file that cannot be used: stop sending and alert the technician."""


class KeyReusedError(BackendError):
    """422 idempotency_key_reused: same key, different payload. A kiosk bug: never retry; alert."""


class BadRequestError(BackendError):
    """400 on a request or blob: what we sent is broken. Not retried; needs a technician."""
