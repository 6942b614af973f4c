"""Every error traynotify raises on purpose.

Each carries a short ``title`` and a ``message`` fit to show a person in one
line. Lower-level errors (httpx, OS, keyring) are translated where they enter.

    TraynotifyError
    ├── ConfigError                 bad flag, environment value or settings file
    │   └── NoDesktopError          no graphical session to show a tray icon in
    ├── CredentialError             no key, or the key store failed
    │   └── KeyringUnavailable      this system has no keyring at all
    └── ApiError                    anything the notifications API did
        ├── RequestRejected         refused before sending: the spec forbids it
        ├── InvalidRequestError     400 invalid_request_error
        ├── AuthenticationError     401 authentication_error (missing/revoked key)
        ├── NotFoundError           404 not_found_error (a notification)
        ├── WrongApiUrlError        404 for the list or count: no API there (also a ConfigError)
        ├── RateLimitedError        429, with the Retry-After delay
        ├── ServerError             5xx (503 may carry Retry-After)
        ├── UnexpectedResponseError a status or body the spec does not describe (or too big)
        └── NetworkError            no usable answer at all
            ├── ApiTimeoutError     connect/read timed out, or the request's deadline passed
            └── ApiConnectionError  DNS, refused, reset, TLS
"""

from __future__ import annotations


class TraynotifyError(Exception):
    """Root of traynotify's errors; ``str()`` is the one-line message."""

    title = "traynotify error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(TraynotifyError):
    title = "Configuration problem"


class NoDesktopError(ConfigError):
    title = "No desktop"


class CredentialError(TraynotifyError):
    title = "API key unavailable"


class KeyringUnavailable(CredentialError):
    title = "No keyring"


class ApiError(TraynotifyError):
    """The message is always the app's own words, fit for a pop-up, a menu row or a
    tooltip; what the server said about it is kept apart, never shown as the app's."""

    title = "BytesSpike API error"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.server_message: str | None = None
        """The server's ``error.message`` (one line, cut short), if it sent one: for the
        log, and for the command line labelled as the server's; never for the tray."""
        self.server_type: str | None = None
        """The server's ``error.type``, if it sent one."""


class RequestRejected(ApiError):
    title = "Request not sent"


class InvalidRequestError(ApiError):
    title = "Invalid request"


class AuthenticationError(ApiError):
    title = "Signed out"


class NotFoundError(ApiError):
    title = "Not found"


class WrongApiUrlError(ApiError, ConfigError):
    """A 404 where only a wrong API URL can explain it; names the URL."""

    title = "Wrong API URL"


class RetryableError(ApiError):
    """An error after which trying again later may succeed."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        """Seconds the server asked us to wait, if it said."""


class RateLimitedError(RetryableError):
    title = "Rate limited"


class ServerError(RetryableError):
    title = "Server error"


class UnexpectedResponseError(RetryableError):
    title = "Unexpected response"


class NetworkError(RetryableError):
    title = "Offline"


class ApiTimeoutError(NetworkError):
    title = "Timed out"


class ApiConnectionError(NetworkError):
    title = "Offline"
