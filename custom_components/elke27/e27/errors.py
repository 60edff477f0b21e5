"""The backend's exception tree: each leaf tells the caller what to do next."""

from __future__ import annotations


class E27Error(Exception):
    """Base class of every error raised by the E27 backend."""


class E27ConnectionError(E27Error):
    """The panel cannot be reached or the connection was lost: retry later."""


class E27TimeoutError(E27ConnectionError):
    """The panel did not answer in time."""


class E27NotSentError(E27ConnectionError):
    """The panel was busy with earlier requests until the command's deadline: it was not sent, and never will be."""


class E27SessionRefusedError(E27ConnectionError):
    """The panel knows the link but refused a session: the same identity is online elsewhere,
    or every session slot is taken (docs/protocol.md §7.4)."""


class E27ProvisioningRequired(E27Error):
    """The link credentials are missing or were refused by the panel: link again."""


class E27LinkKeyDoubtError(E27ProvisioningRequired):
    """Sessions have opened but the panel answered nothing readable, repeatedly and for minutes: it most likely
    no longer holds this client's link key (it cannot say so). The client keeps trying meanwhile."""


class E27LinkError(E27Error):
    """The api_link exchange failed (silent panel, refusal, or a full link table)."""


class E27LinkTableFullError(E27LinkError):
    """The panel refused to link because its link table has no free slot."""


class E27ProtocolError(E27Error):
    """The panel sent bytes that violate the protocol."""


class E27FramingError(E27ProtocolError):
    """A link-layer frame was malformed."""


class E27FrameLengthError(E27FramingError):
    """A frame's LENGTH field was out of range."""


class E27CrcError(E27FramingError):
    """A frame's CRC did not match its contents."""


class E27TruncatedFrameError(E27FramingError):
    """A frame was cut short by the start of another frame."""


class E27CryptoError(E27ProtocolError):
    """A payload could not be decrypted (wrong key, bad MAGIC or bad size)."""


class E27MessageError(E27ProtocolError):
    """A JSON message was malformed or had an unexpected shape."""


class E27CommandError(E27Error):
    """The panel refused a request with an error code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"panel refused the request: {reason} (error {code})")
        self.code = code
        self.reason = reason


class E27InvalidPinError(ValueError):
    """A user code the panel cannot take (it needs 1 to 6 digits); the message never quotes the code."""
