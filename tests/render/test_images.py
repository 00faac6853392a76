"""Still images: orientation, colour modes, alpha, huge files, broken files, the SDL path."""

import time

import pytest
from PIL import Image

from player.render.images import ImageDecodeError, decode_image

RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 128, 0)


def _px(decoded, x, y):
    w = decoded.size[0]
    i = (y * w + x) * 3
    return tuple(decoded.rgb[i : i + 3])


def _near(a, b, tol=12):
    return all(abs(p - q) <= tol for p, q in zip(a, b, strict=True))


def test_exif_orientation_is_applied(tmp_path):
    # Stored landscape, red on the left; EXIF 6 says "turn 90 clockwise to view":
    # the viewer sees a portrait picture with red on top.
    image = Image.new("RGB", (200, 100), BLUE)
    image.paste(RED, (0, 0, 100, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    image.save(path, exif=exif, quality=95)
    decoded = decode_image(path, (100, 200), "stretch", (0, 0, 0))
    assert decoded.source_size == (100, 200)
    assert _near(_px(decoded, 50, 20), RED) and _near(_px(decoded, 50, 180), BLUE)


def test_cmyk_and_progressive_jpeg(tmp_path):
    cmyk = tmp_path / "print.jpg"
    Image.new("RGB", (64, 36), RED).convert("CMYK").save(cmyk, quality=95)
    assert Image.open(cmyk).mode == "CMYK"
    decoded = decode_image(cmyk, (64, 36), "contain", (0, 0, 0))
    assert _near(_px(decoded, 32, 18), RED, 20)
    progressive = tmp_path / "web.jpg"
    Image.new("RGB", (64, 36), BLUE).save(progressive, progressive=True, quality=95)
    assert Image.open(progressive).info.get("progressive")
    assert _near(_px(decode_image(progressive, (64, 36), "contain", (0, 0, 0)), 5, 5), BLUE)


def test_png_alpha_is_composited_on_the_background(tmp_path):
    path = tmp_path / "logo.png"
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (10, 10, 30, 30))
    image.save(path)
    decoded = decode_image(path, (40, 40), "contain", GREEN)
    assert _px(decoded, 2, 2) == GREEN  # transparent: the background shows
    assert _px(decoded, 20, 20) == RED


def test_contain_letterboxes_with_the_background(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("RGB", (200, 50), RED).save(path)
    decoded = decode_image(path, (100, 100), "contain", GREEN)
    assert _px(decoded, 50, 10) == GREEN and _px(decoded, 50, 50) == RED
    assert _px(decoded, 50, 36) == GREEN and _px(decoded, 50, 38) == RED  # 100x25 at y=37


def test_a_huge_jpeg_is_decoded_at_reduced_size_quickly(tmp_path):
    path = tmp_path / "billboard.jpg"
    Image.new("RGB", (8000, 6000), BLUE).save(path, quality=80)
    started = time.process_time()
    decoded = decode_image(path, (320, 240), "contain", (0, 0, 0))
    cpu = time.process_time() - started
    full = time.process_time()
    with Image.open(path) as image:
        image.load()  # what a naive decode costs
    full = time.process_time() - full
    assert decoded.size == (320, 240) and decoded.source_size == (8000, 6000)
    assert _near(_px(decoded, 160, 120), BLUE)
    assert cpu < full / 2  # JPEG draft mode decoded it at 1/8 scale


def test_broken_and_truncated_images_raise_a_clear_error(tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"definitely not an image")
    with pytest.raises(ImageDecodeError, match=r"junk\.png: cannot decode image"):
        decode_image(junk, (10, 10), "contain", (0, 0, 0))
    good = tmp_path / "cut.jpg"
    Image.effect_noise((400, 300), 80).convert("RGB").save(good, quality=90)
    good.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(ImageDecodeError, match=r"cut\.jpg"):
        decode_image(good, (10, 10), "contain", (0, 0, 0))


def test_a_zone_sized_jpeg_decodes_through_sdl_as_pillow_does_and_a_cut_one_is_refused(
    tmp_path,
):
    # The fast path of issue 32 (SDL_image for a poster made for the zone) must give the
    # picture Pillow gives, and refuse a cut file as Pillow does instead of showing grey.
    import pygame

    from player.render.images import _is_zone_sized_jpeg, decode_to_surface

    path = tmp_path / "poster.jpg"
    Image.effect_noise((160, 90), 80).convert("RGB").save(path, quality=90)
    assert _is_zone_sized_jpeg(path, (160, 90))
    pygame.display.init()
    try:
        template = pygame.display.set_mode((160, 90))
        fast = decode_to_surface(path, (160, 90), "cover", (0, 0, 0), template)
    finally:
        pygame.display.quit()
    pillow = decode_image(path, (160, 90), "cover", (0, 0, 0))
    for x, y in ((0, 0), (80, 45), (159, 89), (13, 71)):
        assert _near(tuple(fast.get_at((x, y)))[:3], _px(pillow, x, y), 2)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert not _is_zone_sized_jpeg(cut, (160, 90))
    with pytest.raises(ImageDecodeError, match=r"cut\.jpg"):
        decode_to_surface(cut, (160, 90), "cover", (0, 0, 0), pygame.Surface((160, 90)))
