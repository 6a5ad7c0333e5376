"""What every adapter shares: reading an image for upload."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from edcal.platforms.base import PermanentError, TransientError, read_image
from edcal.platforms.http import send


def test_an_image_is_read_with_its_media_type(tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    image = read_image("x", str(tmp_path / "photo.png"))
    assert (image.name, image.media_type, image.data[:4]) == ("photo.png", "image/png", b"\x89PNG")


def test_a_missing_image_is_a_permanent_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match=r"x: cannot read gone\.jpg"):
        read_image("x", str(tmp_path / "gone.jpg"))


@pytest.mark.parametrize(
    ("failure", "uncertain"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow to connect"), False),
        (httpx.ReadTimeout("sent, no answer"), True),
        (httpx.RemoteProtocolError("dropped after sending"), True),
    ],
)
def test_a_failure_that_may_have_reached_the_platform_is_uncertain(
    failure: Exception, uncertain: bool
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    client = httpx.Client(transport=httpx.MockTransport(fail))
    with pytest.raises(TransientError) as raised:
        send(client, "POST", "https://example.org/post", who="news: Facebook", clean=str)
    assert raised.value.uncertain is uncertain
    assert str(raised.value).startswith("news: Facebook")
