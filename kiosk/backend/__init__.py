"""Client of the central backend (contract: api/openapi.yaml, shared/specs/backend-api.md)."""
from kiosk.backend.client import BackendClient, parse_retry_after, read_token_file, write_token_file
from kiosk.backend.errors import (BackendError, BadRequestError, CredentialsError, InProgressError,
                                  KeyReusedError, MalformedReplyError, MissingBlobError, RejectedError,
                                  RetryAfterError, TransientError)
from kiosk.backend.replies import (Catalog, CatalogService, Command, Document, HeartbeatReply, Payment,
                                   PracticeStatus, RequestReply)

__all__ = ["BackendClient", "parse_retry_after", "read_token_file", "write_token_file", "BackendError",
           "BadRequestError", "CredentialsError", "InProgressError", "KeyReusedError", "MalformedReplyError",
           "MissingBlobError", "RejectedError", "RetryAfterError", "TransientError", "Catalog", "CatalogService",
           "Command", "Document", "HeartbeatReply", "Payment", "PracticeStatus", "RequestReply"]
