"""Image sizes come from headers, thumbnails from bounded decoding: bombs, damaged and
truncated images are refused quickly, with a message, and no warning escapes."""

from __future__ import annotations

import io
import time
import warnings

import pytest
from PIL import Image

from tests.files import corpus
from wiki.files.images import (
    MAX_PIXELS,
    THUMBNAIL_MIME,
    ImageRejected,
    Thumbnail,
    image_size,
    make_thumbnail,
)


def _opened(thumbnail: Thumbnail) -> Image.Image:
    picture = Image.open(io.BytesIO(thumbnail.data), formats=["WEBP"])
    picture.load()
    return picture


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_the_size_of_a_web_image(image_format):
    assert image_size(corpus.image(image_format, (640, 480))) == (640, 480)


def test_the_size_of_an_image_of_a_given_type():
    png = corpus.image("PNG", (640, 480))
    assert image_size(png, "image/png") == (640, 480)
    assert image_size(png, "image/jpeg") is None
    assert image_size(png, "image/svg+xml") is None


def test_the_size_is_read_from_the_header_alone():
    """Decoding 8,000 x 8,000 pixels from 90 bytes would fail; the size is still known."""
    assert image_size(corpus.png_declaring(8_000, 8_000)) == (8_000, 8_000)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html><script>alert(1)</script></html>",
        corpus.image("BMP"),  # not one of the four formats
        corpus.image("PNG")[:20],
        corpus.png_declaring(50_000, 50_000),  # over Pillow's bomb limit
        corpus.png_declaring(10_000, 10_000),  # over the limit at which Pillow warns
    ],
)
def test_no_size_for_what_is_not_a_readable_image(data):
    assert image_size(data) is None


# --------------------------------------------------------------------------- thumbnails


def test_a_large_photo_becomes_a_small_webp():
    thumbnail = make_thumbnail(corpus.image("JPEG", (2_000, 1_500)), max_side=800)
    assert thumbnail is not None
    assert (thumbnail.mime, thumbnail.width, thumbnail.height) == (THUMBNAIL_MIME, 800, 600)
    picture = _opened(thumbnail)
    assert (picture.size, picture.mode) == ((800, 600), "RGB")
    assert not picture.getexif()  # nothing of the original's metadata


@pytest.mark.parametrize(
    "data",
    [
        corpus.image("PNG", (1_200, 400), "RGBA"),
        corpus.image("PNG", (1_200, 400), "LA"),
        corpus.image("WEBP", (1_200, 400), "RGBA"),
        corpus.palette_png_with_transparency((1_200, 400)),
    ],
)
def test_transparency_is_kept(data):
    thumbnail = make_thumbnail(data, max_side=600)
    assert thumbnail is not None
    assert (thumbnail.width, thumbnail.height) == (600, 200)
    assert _opened(thumbnail).mode == "RGBA"


@pytest.mark.parametrize("mode", ["1", "L", "P", "I;16", "CMYK"])
def test_other_modes_become_rgb(mode):
    image_format = "JPEG" if mode == "CMYK" else "PNG"
    thumbnail = make_thumbnail(corpus.image(image_format, (1_000, 100), mode), max_side=500)
    assert thumbnail is not None
    assert _opened(thumbnail).mode == "RGB"


def test_an_animated_gif_gives_its_first_frame():
    thumbnail = make_thumbnail(corpus.animated_gif((1_000, 500)), max_side=100)
    assert thumbnail is not None
    assert (thumbnail.width, thumbnail.height) == (100, 50)
    red, green, blue = _opened(thumbnail).getpixel((50, 25))
    assert red > 200 and blue < 50


def test_exif_orientation_is_applied():
    thumbnail = make_thumbnail(corpus.rotated_jpeg((1_600, 800), orientation=6), max_side=400)
    assert thumbnail is not None
    assert (thumbnail.width, thumbnail.height) == (200, 400)


def test_an_image_that_fits_needs_no_thumbnail():
    assert make_thumbnail(corpus.image("PNG", (800, 600)), max_side=800) is None
    assert make_thumbnail(corpus.image("GIF", (10, 10))) is None


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (50_000, 50_000),  # Pillow raises on opening
        (10_000, 10_000),  # Pillow warns on opening (an error here)
        (8_000, 8_000),  # under Pillow's limits, over ours
        (MAX_PIXELS + 1, 1),
    ],
)
def test_decompression_bombs_are_refused_without_decoding(width, height):
    started = time.perf_counter()
    with pytest.raises(ImageRejected, match="too large to preview"):
        make_thumbnail(corpus.png_declaring(width, height))
    assert time.perf_counter() - started < 0.5


def test_a_bomb_is_refused_where_warnings_are_only_shown_too():
    """In production Pillow's DecompressionBombWarning is printed, not raised: the size
    check refuses the image all the same."""
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with pytest.raises(ImageRejected, match="too large"):
            make_thumbnail(corpus.png_declaring(10_000, 10_000))
        assert image_size(corpus.png_declaring(10_000, 10_000)) is None
    assert {type(warning.message) for warning in shown} == {Image.DecompressionBombWarning}


def _damaged(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 64]) + data[middle + 64 :]


@pytest.mark.parametrize(
    "data",
    [
        corpus.image("JPEG", (900, 600))[:2_000],  # truncated, larger than max_side
        corpus.image("JPEG", (300, 200))[:400],  # truncated, fits
        corpus.image("PNG", (900, 600))[:-200],
        corpus.image("PNG", (300, 200))[:100],
        _damaged(corpus.image("PNG", (900, 600))),
        corpus.image("GIF", (900, 600))[:30],
        corpus.image("WEBP", (900, 600))[:40],
        corpus.png_declaring(900, 600),  # a header and no pixels to speak of
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
        b"GIF89a/*\x00\x00*/=alert(1)//",
        corpus.image("BMP", (900, 600)),
        b"",
    ],
)
def test_damaged_truncated_and_false_images_are_refused(data):
    with pytest.raises(ImageRejected, match=r"damaged|too large"):
        make_thumbnail(data, max_side=400)


def test_the_side_must_be_positive():
    with pytest.raises(ValueError, match="max_side"):
        make_thumbnail(corpus.image("PNG"), max_side=0)
