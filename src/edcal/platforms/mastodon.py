"""Outgoing -> statuses on a Mastodon instance, through Mastodon.py.

Every `status_post` carries an `Idempotency-Key`: the ledger key for the first part, the
key plus `-<n>` for the n-th reply of a thread. Mastodon remembers a key for an hour and
answers a repeated post with the status it already made, so a retry, or a whole `post`
after a crash, never makes a second status within that hour.

Mastodon cannot be asked afterwards which status carries a key, so `find_by_key`
(reconciling a claim a crashed run left) posts again with the same keys while that is
provably safe, and otherwise says it cannot tell (a person looks). The claim, and so any
status it led to, came no earlier than the item's scheduled time: when that time is less
than `SAFE_WINDOW` (55 minutes, under Mastodon's hour) ago, every key is still remembered.

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

    def api(self) -> Mastodon:
        """The client, made on first use: Mastodon.py asks the instance its version then."""
        if self._api is None:
            from mastodon import Mastodon

            with self.errors():
                self._api = Mastodon(
                    access_token=self.token or None,
                    api_base_url=self.instance,
                    ratelimit_method="throw",
                    version_check_mode="created",
                    request_timeout=self.timeout,
                    user_agent="edcal",
                )
        return self._api

    def post(self, outgoing: Outgoing) -> Delivery:
        """Post the parts in order, each replying to the one before; retrying within the hour
        is safe (the same keys answer the statuses already made)."""
        if not outgoing.parts:
            raise PermanentError(f"{self.channel.name}: nothing to post (no text)")
        first: Any = None
        previous: Any = None
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
        """Post again under the same keys while Mastodon surely remembers them, else CannotTell."""
        age = self.clock() - outgoing.scheduled
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
        from mastodon import errors as m

        name = self.channel.name
        try:
            yield
        except m.MastodonRatelimitError:
            reset = getattr(self._api, "ratelimit_reset", None)
            wait = max(0.0, float(reset) - time.time()) if reset else None
            raise TransientError(f"{name}: rate limited by {self.instance}", wait) from None
        except m.MastodonNetworkError as error:
            raise TransientError(f"{name}: {self._clean(error)}") from None
        except m.MastodonIOError as error:
            raise PermanentError(f"{name}: {self._clean(error)}") from None
        except m.MastodonServerError as error:
            raise TransientError(f"{name}: {self.instance} failed: {self._clean(error)}") from None
        except m.MastodonUnauthorizedError as error:
            raise self._refused(error) from None
        except m.MastodonAPIError as error:
            status = _status(error)
            if status == 403:
                raise self._refused(error) from None
            if status is None or status >= 500 or status == 429:
                raise TransientError(f"{name}: {self._clean(error)}") from None
            raise PermanentError(
                f"{name}: {self.instance} refused the post: {_reason(error)}"
            ) from None
        except (m.MastodonVersionError, m.MastodonIllegalArgumentError) as error:
            raise PermanentError(f"{name}: {self._clean(error)}") from None
        except m.MastodonError as error:
            raise DeliveryError(f"{name}: {self._clean(error)}") from None

    def _refused(self, error: Exception) -> AuthError:
        variable = self.channel.credentials.get(TOKEN_ROLE, "?")
        return AuthError(
            f"{self.channel.name}: {self.instance} refused the access token in {variable}"
            f" ({_reason(error) or 'unauthorized'}): renew it and update the variable"
        )

    def _clean(self, error: Exception) -> str:
        return scrub(_reason(error) or type(error).__name__, [self.token])


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
