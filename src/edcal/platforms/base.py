"""The adapter protocol every platform implements, and the errors adapters raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One (item, channel) to deliver: the thread parts in order and the idempotency key."""

    item_id: str
    channel: str
    key: str
    scheduled: datetime
    parts: tuple[str, ...]
    media: tuple[tuple[str, str], ...] = ()  # (absolute path, alt text)
    # Wall-clock time of the first claim of this key, when a run is reconciling it: no
    # post under this key can be older (platforms with time-limited keys need it).
    first_attempt: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """What the platform answered: its id for the post and the post's public URL."""

    remote_id: str
    url: str = ""


class DeliveryError(Exception):
    """A post that did not go out. Messages never hold a secret."""


class TransientError(DeliveryError):
    """Worth retrying: a timeout, a 5xx, a 429 (`retry_after` seconds when the platform says).

    `uncertain` means the request may have reached the platform (a read timeout, a
    connection dropped after sending): the post may exist, so it is looked up by key
    before any new attempt, and flagged for a person where the platform cannot tell.
    """

    def __init__(
        self, message: str, retry_after: float | None = None, uncertain: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.uncertain = uncertain


class PermanentError(DeliveryError):
    """The platform refused this post (422, too long, …): retrying the same post won't help."""


class AuthError(DeliveryError):
    """Missing, expired or wrong credentials: one clear line, no retry, non-zero exit."""


class CannotTell(DeliveryError):
    """The platform cannot be asked whether a post exists: a human must look."""


@dataclass(frozen=True)
class Image:
    """An image read for upload: its bytes, file name and media type."""

    data: bytes
    name: str
    media_type: str


def read_image(channel: str, path: str) -> Image:
    """The image at `path`; a file that cannot be read is a PermanentError naming it."""
    import mimetypes
    from pathlib import Path

    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise PermanentError(f"{channel}: cannot read {file.name}: {error}") from None
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return Image(data, file.name, media_type)


class Adapter(Protocol):
    """A platform as publishing sees it: post, and look a post up by its key."""

    def post(self, outgoing: Outgoing) -> Delivery:
        """Publish the parts in order (a thread); raise a DeliveryError subclass on failure."""
        ...

    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        """The post already made with this key, None if there is none, or raise CannotTell."""
        ...
