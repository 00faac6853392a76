"""NovaStar's serial protocol (MCTRL-series sending cards over USB serial, 115200 8N1).

Every command and answer is one frame, little-endian throughout:

    request  55 AA | ack 00 | serial | source FE | destination | device type | port |
             board (2) | 01 write / 00 read | reserved 00 | register (4) | length (2) |
             data | checksum (2)
    answer   AA 55 | ack (00 done, 01 timeout, 02/03 checksum, 04 bad command) | serial |
             the same addressing | data (a read's) | checksum (2)

The checksum is the sum of every byte after the two header bytes, plus 0x5555, low byte
first. The overall brightness is the byte at register 0x02000001 of the receiving cards
(device type 01), 0 to 255, written to all of them (port and board FF) through the
sending card the Pi is plugged into (destination 00).

The wall is switched off and on through the receiving cards' display mode at register
0x02000100: one byte FF is "black" (the LEDs driven dark, the picture kept out), three
bytes 00 are "normal" (and not frozen). This register is not in a NovaStar document we
hold: it is the frame the MCTRL display-mode commands of the Bitfocus Companion NovaStar
module send, checked against the frame table above. The state is confirmed by reading the
byte back from the first receiving card (port 0, board 0): a card that acknowledged the
write but shows black, or the reverse, is reported as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from player.led.controller import ControllerError

log = logging.getLogger(__name__)

REQUEST = b"\x55\xaa"
ANSWER = b"\xaa\x55"
SOURCE_PC = 0xFE
DEVICE_RECEIVING = 0x01
ALL = 0xFF
WRITE, READ = 0x01, 0x00
REGISTER_BRIGHTNESS = 0x02000001
REGISTER_DISPLAY_MODE = 0x02000100
DISPLAY_BLACK, DISPLAY_NORMAL = b"\xff", b"\x00\x00\x00"  # normal also ends a freeze
HEADER_BYTES = 18  # up to the data
FRAME_OVERHEAD = HEADER_BYTES + 2  # and the checksum
MAX_DATA = 512  # no register this player uses is longer; a longer claim is noise
BAUD = 115200
ANSWER_TIMEOUT = 1.0  # seconds; the card answers in milliseconds
ACK_WORDS = {0: "done", 1: "timeout", 2: "checksum error", 3: "checksum error", 4: "bad command"}


def checksum(body: bytes) -> bytes:
    """The two checksum bytes of a frame whose bytes after the header are `body`."""
    return ((sum(body) + 0x5555) & 0xFFFF).to_bytes(2, "little")


@dataclass(frozen=True)
class Frame:
    """One request or answer, its fields as the table above names them."""

    answer: bool
    ack: int
    serial: int
    source: int
    destination: int
    device: int
    port: int
    board: int
    write: bool
    register: int
    length: int
    data: bytes = b""

    def encode(self) -> bytes:
        body = bytes((self.ack, self.serial, self.source, self.destination, self.device))
        body += bytes((self.port,)) + self.board.to_bytes(2, "little")
        body += bytes((WRITE if self.write else READ, 0))
        body += self.register.to_bytes(4, "little") + self.length.to_bytes(2, "little")
        body += self.data
        return (ANSWER if self.answer else REQUEST) + body + checksum(body)


def brightness_frame(serial: int, percent: int) -> Frame:
    """The write of the overall brightness, `percent` of full (0-100) as 0-255."""
    value = round(max(0, min(100, percent)) * 255 / 100)
    return Frame(
        answer=False,
        ack=0,
        serial=serial & 0xFF,
        source=SOURCE_PC,
        destination=0x00,
        device=DEVICE_RECEIVING,
        port=ALL,
        board=0xFFFF,
        write=True,
        register=REGISTER_BRIGHTNESS,
        length=1,
        data=bytes((value,)),
    )


def display_mode_frame(serial: int, on: bool) -> Frame:
    """The write of the display mode to every receiving card: normal (on) or black (off)."""
    data = DISPLAY_NORMAL if on else DISPLAY_BLACK
    return Frame(
        answer=False, ack=0, serial=serial & 0xFF, source=SOURCE_PC, destination=0x00,
        device=DEVICE_RECEIVING, port=ALL, board=0xFFFF, write=True,
        register=REGISTER_DISPLAY_MODE, length=len(data), data=data,
    )  # fmt: skip


def display_mode_read(serial: int) -> Frame:
    """The read of the display mode's first byte from the first receiving card."""
    return Frame(
        answer=False, ack=0, serial=serial & 0xFF, source=SOURCE_PC, destination=0x00,
        device=DEVICE_RECEIVING, port=0, board=0, write=False,
        register=REGISTER_DISPLAY_MODE, length=1,
    )  # fmt: skip


class FrameError(ValueError):
    """Bytes that are not a well-formed frame."""


def decode(raw: bytes) -> Frame:
    """One whole frame; FrameError for a bad header, length or checksum."""
    if raw[:2] not in (REQUEST, ANSWER):
        raise FrameError(f"no frame header (55 AA or AA 55) but {raw[:2].hex(' ')}")
    if len(raw) < FRAME_OVERHEAD:
        raise FrameError(f"a frame has at least {FRAME_OVERHEAD} bytes, got {len(raw)}")
    body, check = raw[2:-2], raw[-2:]
    if checksum(body) != check:
        raise FrameError(f"checksum {check.hex(' ')} should be {checksum(body).hex(' ')}")
    answer = raw[:2] == ANSWER
    write = body[8] == WRITE
    length = int.from_bytes(body[14:16], "little")
    data = body[16:]
    # A write request carries its data, a read's answer the data read; a write's answer and
    # a read request carry none (their length says how much was written or is wanted).
    expected = length if answer != write else 0
    if len(data) != expected:
        raise FrameError(f"length field says {expected} data bytes, the frame has {len(data)}")
    return Frame(
        answer=answer,
        ack=body[0],
        serial=body[1],
        source=body[2],
        destination=body[3],
        device=body[4],
        port=body[5],
        board=int.from_bytes(body[6:8], "little"),
        write=write,
        register=int.from_bytes(body[10:14], "little"),
        length=length,
        data=bytes(data),
    )


def frame_size(head: bytes) -> int | None:
    """The whole frame's size from its first 18 bytes (None: not enough yet)."""
    if len(head) < HEADER_BYTES:
        return None
    answer, write = head[:2] == ANSWER, head[10] == WRITE
    length = int.from_bytes(head[16:18], "little")
    if length > MAX_DATA:
        raise FrameError(f"data length {length} is beyond any register this player uses")
    return FRAME_OVERHEAD + (length if answer != write else 0)


def read_frame(read, header: bytes) -> bytes:
    """Bytes from `read(n)` up to one frame starting with `header`; skips noise before it.

    `read(n)` returns at most n bytes, fewer (or none) when its timeout passes: then
    FrameError, as a silent card is no frame.
    """
    buffer = b""
    while True:
        start = buffer.find(header)
        if start < 0:
            buffer = buffer[-1:]  # half a header may end the noise
            wanted = 1
        else:
            buffer = buffer[start:]
            size = frame_size(buffer)
            if size is not None and len(buffer) >= size:
                return buffer[:size]
            wanted = (size or HEADER_BYTES) - len(buffer)
        chunk = read(max(1, wanted))
        if not chunk:
            raise FrameError("no answer" if not buffer else f"cut short after {buffer.hex(' ')}")
        buffer += chunk


class NovaStar:
    """An MCTRL-series sending card on a serial port (pyserial), opened at the first command."""

    has_sensor = False  # the sensor's register is not documented where this was written

    def __init__(self, port: Path, timeout: float = ANSWER_TIMEOUT) -> None:
        self.port = port
        self.timeout = timeout
        self.name = f"novastar {port}"
        self._serial = None
        self._next = 0

    def set_brightness(self, percent: int) -> None:
        self._command(brightness_frame(self._serial_number(), percent), "the brightness")

    def set_power(self, on: bool) -> bool:
        """Normal or black on every receiving card; the mode the first card then reports."""
        self._command(display_mode_frame(self._serial_number(), on), "the display mode")
        answer = self._command(display_mode_read(self._serial_number()), "a read of the mode")
        if len(answer.data) != 1:
            raise ControllerError(f"{self.port}: the display mode read back is "
                                  f"{answer.data.hex(' ') or 'empty'}, not one byte")  # fmt: skip
        return answer.data[0] == 0x00

    def _serial_number(self) -> int:
        serial, self._next = self._next, (self._next + 1) & 0xFF
        return serial

    def _command(self, frame: Frame, what: str) -> Frame:
        """Send `frame`; its answer, checked to be the answer to it and a success."""
        answer = self._ask(frame.encode())
        if answer.serial != frame.serial or answer.register != frame.register:
            raise ControllerError(
                f"{self.port}: the sending card answered serial {answer.serial} register "
                f"{answer.register:#010x}, not {frame.serial} {frame.register:#010x}"
            )
        if answer.ack != 0:
            raise ControllerError(
                f"{self.port}: the sending card refused {what} "
                f"({ACK_WORDS.get(answer.ack, f'code {answer.ack}')})"
            )
        return answer

    def ambient_lux(self) -> float | None:
        return None

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def _ask(self, request: bytes) -> Frame:
        import serial

        try:
            if self._serial is None:
                self._serial = serial.Serial(str(self.port), BAUD, timeout=self.timeout)
            self._serial.reset_input_buffer()  # an answer too late for the last command
            self._serial.write(request)
            self._serial.flush()
            return decode(read_frame(self._serial.read, ANSWER))
        except FrameError as exc:
            raise ControllerError(
                f"{self.port}: the sending card did not answer properly ({exc}); check that "
                "it is powered and that the USB cable is in its USB port, not a network port"
            ) from None
        except (serial.SerialException, OSError) as exc:
            self.close()  # unplugged: open it again next time
            raise ControllerError(
                f"{self.port}: cannot talk to the sending card ({exc}); check the USB cable and "
                "brightness.port (`ls -l /dev/serial/by-id`)"
            ) from None
