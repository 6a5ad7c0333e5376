"""Outgoing -> `app.bsky.feed.post` records in the account's repository, through atproto.

Each part of an item gets a record key derived from the ledger key (`record_key`), so the
post has a known address before it is made: a second create at that key fails on the
PDS, and `find_by_key` asks `com.atproto.repo.getRecord` whether it is there. A thread is
made in order (each reply names the first part as root and the one before as parent), and
a `post` retried after a crash finds the parts already made and goes on from there.

Rich text comes from the SDK's facet detection (links, tags and mentions at UTF-8 byte
offsets, as the Bluesky app makes them); the first link of a part without images gets a
link card when its page answers quickly with a title. Images carry their alt text.

The session (`createSession`, rate-limited hard by the PDS) is opened on the first post or
lookup of a run, never when nothing is due.

Settings: `handle` (the account), `service` (its PDS, default https://bsky.social).
Credentials: `app_password` (an app password, not the account's password).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from edcal.model import Channel
from edcal.platforms.base import (
    AuthError,
    Delivery,
    DeliveryError,
    Outgoing,
    PermanentError,
    TransientError,
    read_image,
)
from edcal.platforms.secrets import credential, scrub

if TYPE_CHECKING:
    from atproto_client import Client, models

PASSWORD_ROLE = "app_password"
DEFAULT_SERVICE = "https://bsky.social"
APP_URL = "https://bsky.app"
COLLECTION = "app.bsky.feed.post"
TIMEOUT = 30.0  # seconds for one request
CARD_TIMEOUT = 5.0  # seconds for the page behind a link card
MAX_IMAGE = 1_000_000  # bytes: the lexicon's limit for an image blob
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(key: str, index: int, scheduled: datetime) -> str:
    """A TID-shaped record key for part `index` of the post with ledger key `key`.

    Posts' keys are TIDs (13 base32-sortable characters: 53 bits of microseconds, 10 bits
    of clock id). Here the microseconds are the scheduled second plus the part number and
    a hash of the key, and the clock id is more of that hash: the same post always gets
    the same keys, its parts sort in order, and two posts collide only when scheduled in
    the same second with equal 20-bit hashes.
    """
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    seconds = int(scheduled.astimezone(UTC).timestamp())
    micros = seconds * 1_000_000 + (digest % 1000) * 1000 + index % 1000
    value = (micros << 10) | ((digest >> 10) % 1024)
    return "".join(TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


class BlueskyAdapter:
    """Posts an item's parts as a thread of records under derived record keys."""

    def __init__(
        self, channel: Channel, password: str, timeout: float = TIMEOUT, cards: bool = True
    ) -> None:
        self.channel = channel
        self.handle = str(channel.settings.get("handle") or "").lstrip("@")
        self.service = str(channel.settings.get("service") or DEFAULT_SERVICE).rstrip("/")
        self.password = password
        self.timeout = timeout
        self.cards = cards
        self.did = ""
        self._client: Client | None = None
        self._secrets: list[str] = [password]

    def client(self) -> Client:
        """The logged-in client: one session per adapter, opened on first use."""
        if self._client is None:
            import httpx
            from atproto_client import Client
            from atproto_client.request import Request

            client = Client(
                base_url=self.service, request=Request(timeout=httpx.Timeout(self.timeout))
            )
            with self.errors(login=True):
                profile = client.login(self.handle, self.password)
                if profile is not None:
                    self.did, self.handle = profile.did, profile.handle
                else:  # a PDS without app.bsky: ask the session itself
                    session = client.com.atproto.server.get_session()
                    self.did, self.handle = session.did, session.handle
            # handle:::did:::access JWT:::refresh JWT:::PDS, in atproto's session string
            self._secrets += client.export_session_string().split(":::")[2:4]
            self._client = client
        return self._client

    def post(self, outgoing: Outgoing) -> Delivery:
        """Create the parts in order; parts an earlier attempt made are found and kept."""
        from atproto_client import models

        if not outgoing.parts:
            raise PermanentError(f"{self.channel.name}: nothing to post (no text)")
        client = self.client()
        images = self._images(outgoing.media) if outgoing.media else None
        root: models.ComAtprotoRepoStrongRef.Main | None = None
        parent = root
        for index, text in enumerate(outgoing.parts):
            with self.errors():
                facets = client.detect_facets(text) or None
            embed: models.AppBskyEmbedImages.Main | models.AppBskyEmbedExternal.Main | None
            embed = images if index == 0 else None
            if embed is None and self.cards:
                embed = self._card(facets or [])
            reply = None
            if root is not None and parent is not None:
                reply = models.AppBskyFeedPost.ReplyRef(root=root, parent=parent)
            record = models.AppBskyFeedPost.Record(
                created_at=client.get_current_time_iso(),
                text=text,
                facets=facets,
                embed=embed,
                reply=reply,
            )
            parent = self._create(record, record_key(outgoing.key, index, outgoing.scheduled))
            if root is None:
                root = parent
        return self._delivery(outgoing)

    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        """The post if its last part exists (all parts were made), else None."""
        last = max(len(outgoing.parts) - 1, 0)
        if self._existing(record_key(outgoing.key, last, outgoing.scheduled)) is None:
            return None
        return self._delivery(outgoing)

    def verify(self) -> str:
        """Log in without posting: `@handle on service`."""
        self.client()
        return f"@{self.handle} on {self.service}"

    def _delivery(self, outgoing: Outgoing) -> Delivery:
        rkey = record_key(outgoing.key, 0, outgoing.scheduled)
        uri = f"at://{self.did}/{COLLECTION}/{rkey}"
        return Delivery(uri, f"{APP_URL}/profile/{self.handle}/post/{rkey}")

    def _create(
        self, record: models.AppBskyFeedPost.Record, rkey: str
    ) -> models.ComAtprotoRepoStrongRef.Main:
        from atproto_client import models

        client = self.client()
        try:
            with self.errors():
                made = client.app.bsky.feed.post.create(self.did, record, rkey=rkey)
        except (TransientError, PermanentError) as error:
            # The record may be there all the same: an answer lost on the way, or an
            # earlier attempt's create (the PDS answers a taken key with a bare 500).
            try:
                existing = self._existing(rkey)
            except DeliveryError:
                raise error from None
            if existing is None:
                raise
            return existing
        return models.ComAtprotoRepoStrongRef.Main(uri=made.uri, cid=made.cid)

    def _existing(self, rkey: str) -> models.ComAtprotoRepoStrongRef.Main | None:
        from atproto_client import models
        from atproto_client.exceptions import BadRequestError

        client = self.client()
        with self.errors():
            try:
                found = client.app.bsky.feed.post.get(self.did, rkey)
            except BadRequestError as error:
                if _xrpc_error(error) == "RecordNotFound":
                    return None
                raise
        if found.cid is None:
            return None
        return models.ComAtprotoRepoStrongRef.Main(uri=found.uri, cid=found.cid)

    def _images(self, media: tuple[tuple[str, str], ...]) -> models.AppBskyEmbedImages.Main:
        from atproto_client import models

        client = self.client()
        images = []
        for path, alt in media[:4]:
            data = read_image(self.channel.name, path).data
            if len(data) > MAX_IMAGE:
                raise PermanentError(
                    f"{self.channel.name}: {Path(path).name} is {len(data):,} bytes;"
                    f" Bluesky takes images up to {MAX_IMAGE:,}"
                )
            with self.errors():
                blob = client.upload_blob(data).blob
            images.append(models.AppBskyEmbedImages.Image(alt=alt, image=blob))
        return models.AppBskyEmbedImages.Main(images=images)

    def _card(
        self, facets: list[models.AppBskyRichtextFacet.Main]
    ) -> models.AppBskyEmbedExternal.Main | None:
        """A link card for the first link, from its page's title and description."""
        from atproto_client import models

        links = [
            feature.uri
            for facet in facets
            for feature in facet.features
            if isinstance(feature, models.AppBskyRichtextFacet.Link)
        ]
        if not links:
            return None
        title, description = _page_summary(links[0])
        if not title:
            return None
        external = models.AppBskyEmbedExternal.External(
            uri=links[0], title=title, description=description
        )
        return models.AppBskyEmbedExternal.Main(external=external)

    @contextmanager
    def errors(self, login: bool = False) -> Iterator[None]:
        """atproto's and httpx's exceptions as DeliveryErrors, with secrets scrubbed out."""
        import httpx
        from atproto_client import exceptions as e
        from atproto_core.exceptions import AtProtocolError

        name = self.channel.name
        try:
            yield
        except e.RateLimitExceededError as error:
            raise TransientError(f"{name}: rate limited by {self.service}", _wait(error)) from None
        except e.UnauthorizedError as error:
            raise self._refused(error) from None
        except e.NetworkError as error:  # transport failures, timeouts, 409/413/502
            message = f"{name}: {self._clean(error)}"
            raise TransientError(message, uncertain=_may_have_arrived(error)) from None
        except e.BadRequestError as error:
            if login:
                raise self._refused(error) from None
            raise PermanentError(f"{name}: {self.service} refused: {self._clean(error)}") from None
        except e.RequestException as error:
            status = error.response.status_code if error.response is not None else 500
            message = f"{name}: {self.service} failed: {self._clean(error)}"
            if status < 500:
                raise PermanentError(message) from None
            raise TransientError(message, uncertain=status == 504) from None
        except e.LoginRequiredError as error:
            raise self._refused(error) from None
        except httpx.HTTPError as error:  # a dropped connection is not an atproto NetworkError
            message = f"{name}: {self._clean(error)}"
            raise TransientError(message, uncertain=_may_have_arrived(error)) from None
        except AtProtocolError as error:
            raise DeliveryError(f"{name}: {self._clean(error)}") from None

    def _refused(self, error: Exception) -> AuthError:
        variable = self.channel.credentials.get(PASSWORD_ROLE, "?")
        return AuthError(
            f"{self.channel.name}: {self.service} refused {self.handle or 'the account'} with the"
            f" app password in {variable} ({self._clean(error)}): create a new app password"
            " and update the variable"
        )

    def _clean(self, error: Exception) -> str:
        return scrub(str(error) or type(error).__name__, self._secrets)


def _may_have_arrived(error: BaseException) -> bool:
    """Whether a request that failed may have reached the PDS (and so may have been done).

    A connection never opened, or a request left waiting for one, sent nothing; a read
    timeout, a dropped answer or a gateway's 502 may come after the PDS took it.
    """
    import httpx

    response = getattr(error, "response", None)
    if response is not None:
        return bool(response.status_code == 502)
    cause = error if isinstance(error, httpx.HTTPError) else error.__cause__
    return not isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _xrpc_error(error: Exception) -> str:
    """The XRPC error name of an atproto request error (`RecordNotFound`, …)."""
    response = getattr(error, "response", None)
    content = getattr(response, "content", None)
    return str(getattr(content, "error", "") or "")


def _wait(error: object) -> float | None:
    """Seconds to wait from a 429: its Retry-After, else its `ratelimit-reset`."""
    after = getattr(error, "retry_after", None)
    if isinstance(after, int | float):
        return float(after)
    reset = getattr(error, "reset_at", None)
    if isinstance(reset, datetime):
        return max(0.0, (reset - datetime.now(UTC)).total_seconds())
    return None


class _Summary(HTMLParser):
    """Reads a page's `og:title`/`og:description`, else its `<title>`."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta":
            key = values.get("property") or values.get("name") or ""
            self.meta.setdefault(key.lower(), values.get("content", ""))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _page_summary(url: str) -> tuple[str, str]:
    """(title, description) of the page at `url`, or ("", "") when it cannot be had quickly."""
    import httpx

    try:
        with httpx.Client(timeout=CARD_TIMEOUT, follow_redirects=True) as http:
            response = http.get(url, headers={"User-Agent": "edcal link card"})
    except httpx.HTTPError:
        return "", ""
    if response.status_code != 200 or "html" not in response.headers.get("content-type", ""):
        return "", ""
    page = _Summary()
    page.feed(response.text[:500_000])
    title = page.meta.get("og:title") or page.title
    description = page.meta.get("og:description") or page.meta.get("description") or ""
    return " ".join(title.split())[:300], " ".join(description.split())[:1000]


def _adapter(channel: Channel, environ: Mapping[str, str]) -> BlueskyAdapter:
    if not channel.settings.get("handle"):
        raise AuthError(f"{channel.name}: set `handle:` (the account) in calendar/edcal.yml")
    return BlueskyAdapter(channel, credential(channel, PASSWORD_ROLE, environ))


def make_adapter(channel: Channel, environ: Mapping[str, str]) -> BlueskyAdapter:
    """The live adapter for a `platform: bluesky` channel; no session is opened yet."""
    return _adapter(channel, environ)


def verify(channel: Channel, environ: Mapping[str, str]) -> str:
    """Log in without posting: `@handle on https://service`."""
    return _adapter(channel, environ).verify()
