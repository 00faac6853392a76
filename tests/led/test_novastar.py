"""NovaStar's frames: the documented example, refusal of malformed frames, the emulated card."""

from __future__ import annotations

import os

import pytest

from player.led.controller import ControllerError
from player.led.novastar import FrameError, NovaStar, brightness_frame, checksum, decode
from tests.fixtures.novastar import EmulatedNovaStar

# The example of the command layout NovaStar's serial protocol documents: checksum 91 56.
DOCUMENTED = bytes.fromhex("55aa0032fe000100000000000000000a00019156")


@pytest.fixture
def card():
    emulated = EmulatedNovaStar()
    yield emulated
    emulated.close()


def test_the_checksum_is_the_documented_one():
    assert checksum(DOCUMENTED[2:-2]) == DOCUMENTED[-2:]


def test_the_brightness_write_frame():
    frame = brightness_frame(7, 50).encode()
    assert frame[:2] == b"\x55\xaa"
    assert frame[10] == 0x01  # write
    assert frame[12:16] == bytes.fromhex("01000002")  # register 0x02000001, little-endian
    assert frame[16:19] == b"\x01\x00\x80"  # one byte: 50 % of 255
    assert decode(frame).data == b"\x80"


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: f[:-1] + bytes([f[-1] ^ 1]),  # checksum
        lambda f: f[:16] + b"\x02\x00" + f[18:],  # length says two bytes, one follows
        lambda f: b"\x00\x00" + f[2:],  # no header
        lambda f: f[:10],  # cut short
    ],
    ids=["checksum", "length", "header", "short"],
)
def test_malformed_frames_are_refused(damage):
    with pytest.raises(FrameError):
        decode(damage(brightness_frame(1, 30).encode()))


def test_the_card_sets_its_brightness_and_refuses_a_damaged_frame(card):
    novastar = NovaStar(card.path, timeout=2.0)
    try:
        novastar.set_brightness(100)
        novastar.set_brightness(40)
        assert card.brightness == 102  # 40 % of 255
        # A damaged frame from any sender: the card answers "checksum error" and keeps its level.
        damaged = bytearray(brightness_frame(9, 100).encode())
        damaged[-1] ^= 0xFF
        fd = os.open(card.path, os.O_RDWR | os.O_NOCTTY)
        try:
            os.write(fd, bytes(damaged))
            assert card.wait_for(lambda c: c.rejected)
        finally:
            os.close(fd)
        assert card.brightness == 102
    finally:
        novastar.close()


def test_a_silent_card_is_an_error_that_says_what_to_check(card):
    card.answering = False
    novastar = NovaStar(card.path, timeout=0.3)
    try:
        with pytest.raises(ControllerError, match=r"did not answer.*powered"):
            novastar.set_brightness(50)
    finally:
        novastar.close()
    assert card.levels_heard() == [128]  # heard, not applied
    assert card.brightness is None


def test_a_missing_port_is_an_error_that_names_it(tmp_path):
    novastar = NovaStar(tmp_path / "ttyUSB9", timeout=0.3)
    with pytest.raises(ControllerError, match=r"ttyUSB9.*USB cable"):
        novastar.set_brightness(50)
