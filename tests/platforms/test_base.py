"""What every adapter shares: reading an image for upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from edcal.platforms.base import PermanentError, read_image


def test_an_image_is_read_with_its_media_type(tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    image = read_image("x", str(tmp_path / "photo.png"))
    assert (image.name, image.media_type, image.data[:4]) == ("photo.png", "image/png", b"\x89PNG")


def test_a_missing_image_is_a_permanent_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match=r"x: cannot read gone\.jpg"):
        read_image("x", str(tmp_path / "gone.jpg"))
