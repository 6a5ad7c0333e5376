"""Outgoing -> statuses on a Mastodon instance, through Mastodon.py.

Every `status_post` carries an `Idempotency-Key`: the ledger key for the first part, the
key plus `-<n>` for the n-th reply of a thread. Mastodon remembers a key for an hour and
answers a repeated post with the status it already made, so a retry, or a whole `post`
after a crash, never makes a second status within that hour.

Mastodon cannot be asked afterwards which status carries a key, so `find_by_key`
(reconciling a claim a crashed run left, or an attempt whose answer was lost) posts again
with the same keys while that is provably safe, and otherwise says it cannot tell (a
person looks). An earlier run's attempt came no earlier than the item's scheduled time,
and a retry within this run no earlier than the adapter's own first attempt: when that
moment is less than `SAFE_WINDOW` (55 minutes, under Mastodon's hour) ago, every key is
still remembered.

Settings: `instance` (the instance URL). Credentials: `access_token` (an application token
with the `write:statuses` and `write:media` scopes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from edcal.model import Channel
from edcal.platforms.base import (
    AuthError,
    CannotTell,
    Delivery,
    DeliveryError,
    Outgoing,
    PermanentError,
    TransientError,
)
from edcal.platforms.secrets import credential, scrub

if TYPE_CHECKING:
    from mastodon import Mastodon

TOKEN_ROLE = "access_token"
SAFE_WINDOW = timedelta(minutes=55)
TIMEOUT = 30.0  # seconds for one request
MEDIA_WAIT = 60.0  # seconds to wait for the instance to process an upload


def part_key(key: str, index: int) -> str:
    """The Idempotency-Key of a thread's part: the ledger key, then `<key>-<n>`."""
    return key if index == 0 else f"{key}-{index}"


class MastodonAdapter:
    """Posts an item's parts as a thread of statuses, with media and alt text on the first."""

    def __init__(
        self,
        channel: Channel,
        token: str,
        timeout: float = TIMEOUT,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        poll: float = 1.0,
    ) -> None:
        self.channel = channel
        self.instance = str(channel.settings.get("instance") or "").rstrip("/")
        self.token = token
        self.timeout = timeout
        self.clock = clock
        self.poll = poll
        self._api: Mastodon | None = None
        self._tried: dict[str, datetime] = {}  # ledger key -> this adapter's first attempt

    def api(self) -> Mastodon:
        """The client, made on first use, after asking the instance its version."""
        if self._api is None:
            from mastodon import Mastodon, MastodonError, MastodonVersionError

            with self.errors():
                api = Mastodon(
                    access_token=self.token or None,
                    api_base_url=self.instance,
                    ratelimit_method="throw",
                    version_check_mode="none",
                    request_timeout=self.timeout,
                    user_agent="edcal",
                )
                # Asked by the constructor ("created" mode), a version probe that fails
                # retries itself without end (Mastodon.py 2.3: RecursionError, one request
                # per level); asked here it fails once, with the network error as cause.
                try:
                    api.retrieve_mastodon_version(fail_hard=True)
                except MastodonVersionError as error:
                    if isinstance(error.__cause__, MastodonError):
                        raise self._translate(error.__cause__) from None
                    raise
                api.version_check_mode = "created"
                self._api = api
        return self._api

    def post(self, outgoing: Outgoing) -> Delivery:
        """Post the parts in order, each replying to the one before; retrying within the hour
        is safe (the same keys answer the statuses already made)."""
        if not outgoing.parts:
            raise PermanentError(f"{self.channel.name}: nothing to post (no text)")
        first: Any = None
        previous: Any = None
        self._tried.setdefault(outgoing.key, self.clock())
        with self.errors():
            api = self.api()
            media = [self._upload(api, path, alt) for path, alt in outgoing.media]
            for index, text in enumerate(outgoing.parts):
                status = api.status_post(
                    text,
                    in_reply_to_id=previous,
                    media_ids=media if index == 0 and media else None,
                    idempotency_key=part_key(outgoing.key, index),
                )
                first = first if first is not None else status
                previous = status["id"]
        return Delivery(str(first["id"]), str(first.get("url") or first.get("uri") or ""))

    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        """Post again under the same keys while Mastodon surely remembers them, else CannotTell.

        The earliest the keys can have been used is this adapter's own first attempt (a
        retry within a run) or, for an earlier run's claim, that claim's time (else the
        item's scheduled time).
        """
        earliest = outgoing.first_attempt or outgoing.scheduled
        age = self.clock() - self._tried.setdefault(outgoing.key, earliest)
        if age >= SAFE_WINDOW:
            raise CannotTell(
                f"{self.channel.name}: Mastodon forgets an Idempotency-Key after an hour and this"
                f" item was due {_minutes(age)} ago: look at the account on {self.instance}"
            )
        return self.post(outgoing)

    def verify(self) -> str:
        """The account the token belongs to, as `@user on instance`."""
        with self.errors():
            account = self.api().account_verify_credentials()
        return f"@{account['acct']} on {self.instance}"

    def limit(self) -> int:
        """The instance's status length limit (`configuration.statuses.max_characters`)."""
        with self.errors():
            instance = self.api().instance_v2()
        return int(instance["configuration"]["statuses"]["max_characters"])

    def _upload(self, api: Mastodon, path: str, alt: str) -> Any:
        media = api.media_post(path, description=alt)
        waited = 0.0
        # Large images are processed after the upload answers (202, no URL yet); a status
        # naming unprocessed media is refused with a 422.
        while media.get("url") is None and waited < MEDIA_WAIT:
            time.sleep(self.poll)
            waited += self.poll
            media = api.media(media)
        return media

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Mastodon.py's exceptions as DeliveryErrors, with the token scrubbed out."""
        from mastodon import MastodonError

        try:
            yield
        except MastodonError as error:
            raise self._translate(error) from None

    def _translate(self, error: Exception) -> DeliveryError:
        from mastodon import errors as m

        name = self.channel.name
        if isinstance(error, m.MastodonRatelimitError):
            reset = getattr(self._api, "ratelimit_reset", None)
            wait = max(0.0, float(reset) - time.time()) if reset else None
            return TransientError(f"{name}: rate limited by {self.instance}", wait)
        if isinstance(error, m.MastodonNetworkError):
            message = f"{name}: {self._clean(error)}"
            return TransientError(message, uncertain=_may_have_arrived(error))
        if isinstance(error, m.MastodonIOError):  # a media file that cannot be read
            return PermanentError(f"{name}: {self._clean(error)}")
        if isinstance(error, m.MastodonServerError):
            message = f"{name}: {self.instance} failed: {self._clean(error)}"
            # A gateway's 502/504 may come after the instance took the request.
            return TransientError(message, uncertain=_status(error) in (502, 504))
        if isinstance(error, m.MastodonUnauthorizedError) or _status(error) == 403:
            return self._refused(error)
        if isinstance(error, m.MastodonAPIError):
            status = _status(error)
            if status is None or status >= 500 or status == 429:
                return TransientError(f"{name}: {self._clean(error)}")
            return PermanentError(f"{name}: {self.instance} refused the post: {_reason(error)}")
        if isinstance(error, m.MastodonVersionError | m.MastodonIllegalArgumentError):
            return PermanentError(f"{name}: {self._clean(error)}")
        return DeliveryError(f"{name}: {self._clean(error)}")

    def _refused(self, error: Exception) -> AuthError:
        variable = self.channel.credentials.get(TOKEN_ROLE, "?")
        return AuthError(
            f"{self.channel.name}: {self.instance} refused the access token in {variable}"
            f" ({_reason(error) or 'unauthorized'}): renew it and update the variable"
        )

    def _clean(self, error: Exception) -> str:
        return scrub(_reason(error) or type(error).__name__, [self.token])


def _may_have_arrived(error: Exception) -> bool:
    """Whether a request that failed on the network may have reached the instance.

    Mastodon.py wraps the requests exception in its own (as the context): a connection
    that could not be opened sent nothing; a read timeout or a dropped answer may have.
    """
    import requests
    from urllib3.exceptions import NewConnectionError

    cause = error.__cause__ or error.__context__
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(cause, requests.exceptions.ConnectionError) and cause.args:
        return not isinstance(getattr(cause.args[0], "reason", None), NewConnectionError)
    return True


def _status(error: Exception) -> int | None:
    """The HTTP status Mastodon.py puts second in an API error's arguments."""
    if len(error.args) > 1 and isinstance(error.args[1], int):
        return error.args[1]
    return None


def _reason(error: Exception) -> str:
    """`Mastodon API returned error, 422, Unprocessable, Validation failed…` -> the message."""
    args = error.args
    if len(args) >= 4 and isinstance(args[1], int):
        return f"{args[1]} {args[3] or args[2]}"
    return " ".join(str(a) for a in args)


def _minutes(age: timedelta) -> str:
    return f"{int(age.total_seconds() // 60)} minutes"


def _adapter(channel: Channel, environ: Mapping[str, str]) -> MastodonAdapter:
    if not channel.settings.get("instance"):
        raise AuthError(f"{channel.name}: set `instance:` (the instance URL) in calendar/edcal.yml")
    return MastodonAdapter(channel, credential(channel, TOKEN_ROLE, environ))


def make_adapter(channel: Channel, environ: Mapping[str, str]) -> MastodonAdapter:
    """The live adapter for a `platform: mastodon` channel; no request is made yet."""
    return _adapter(channel, environ)


def verify(channel: Channel, environ: Mapping[str, str]) -> str:
    """Check the token without posting: `@user on https://instance`."""
    return _adapter(channel, environ).verify()


def instance_limit(channel: Channel, environ: Mapping[str, str]) -> int:
    """The instance's own status length limit, read from `/api/v2/instance`.

    The endpoint is public, so this works without the token (a pull request's check).
    """
    if not channel.settings.get("instance"):
        raise PermanentError(f"{channel.name}: set `instance:` in calendar/edcal.yml")
    token = environ.get(channel.credentials.get(TOKEN_ROLE, ""), "").strip()
    return MastodonAdapter(channel, token).limit()
