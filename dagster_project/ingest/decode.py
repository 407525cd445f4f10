"""Decoding extract bytes without guessing.

Order matters: a UTF-8 BOM, then strict UTF-8, then strict GB18030. Valid UTF-8 is never read as
GB18030 (that succeeds silently and produces mojibake), and anything else is refused rather than
decoded with replacement characters.
"""

import codecs
from dataclasses import dataclass


class DecodeError(ValueError):
    pass


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes) -> Decoded:
    if data.startswith(codecs.BOM_UTF8):
        try:
            # Decoded from a view: slicing the bytes would copy the whole file first.
            return Decoded(str(memoryview(data)[len(codecs.BOM_UTF8):], "utf-8"), "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"UTF-8 BOM present but bytes are not valid UTF-8 at byte {exc.start}") from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise DecodeError("UTF-16/UTF-32 files are not accepted; deliver UTF-8 or GB18030")
    if b"\x00" in data:
        raise DecodeError("file contains NUL bytes (binary or UTF-16 without BOM)")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("gb18030"), "gb18030")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"bytes are neither UTF-8 nor GB18030 (invalid sequence at byte {exc.start})") from exc
