"""One request for the plain-HTTP adapters (LinkedIn, Facebook, webhook), errors mapped.

Which network failure may have reached the platform decides whether a retry must look
the post up first (`TransientError.uncertain`), so the mapping lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from edcal.platforms.base import TransientError


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    who: str,
    clean: Callable[[str], str],
    **kwargs: Any,
) -> httpx.Response:
    """The response to one request; timeouts and connection failures as TransientError.

    `who` names the channel and service ("news: Facebook"); `clean` scrubs secrets out of
    the message. A request that never connected is certainly not posted; any other
    failure (a read timeout, a connection dropped after sending) is `uncertain`.
    """
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException as error:
        raise TransientError(
            f"{who} did not answer in time",
            uncertain=not isinstance(error, httpx.ConnectTimeout),
        ) from None
    except httpx.HTTPError as error:
        raise TransientError(
            clean(f"{who}: cannot be reached ({type(error).__name__})"),
            uncertain=not isinstance(error, httpx.ConnectError),
        ) from None
