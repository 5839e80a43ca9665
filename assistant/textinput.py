"""The one way text gets in: bytes a user handed us (a file, stdin, an upload, a paste) become the
text that is scored, or an InputError saying exactly what is wrong.

The CLI and the app both read through :func:`read_document` (and :func:`decode_text` under it), so
the same file gives the same text, the same message and the same report in both: an empty, huge,
binary or non-UTF-8 input is refused alike, and an ``.eml`` is scored on its plain-text body in
both (never on its headers). Text is decoded as UTF-8 (a leading byte-order mark dropped) with no
newline translation, so scorer spans are indices into exactly what the user gave.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.errors import InputError

MAX_INPUT_BYTES = 1_048_576
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".eml", ".text")
# The file types the app's uploader offers (the same list, without dots).
UPLOAD_TYPES = tuple(suffix.lstrip(".") for suffix in TEXT_SUFFIXES)


class InputTooLarge(InputError):
    """Over the size limit; the CLI adds how to raise it (``--max-bytes``), the app does not."""


class Document(BaseModel):
    """A draft read from a file: its subject (from .eml headers, when any) and its body."""

    subject: str = ""
    body: str


def size_message(source: str, size: int, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The over-the-limit message, worded once for the CLI, uploads and pasted text alike."""
    return (
        f"{source}: input is {_size(size)}, over the {_size(max_bytes)} limit; "
        "a recovery letter is a few KB"
    )


def check_size(text: str, source: str, max_bytes: int = MAX_INPUT_BYTES) -> None:
    """Refuse text (already decoded, e.g. pasted) whose UTF-8 form is over the limit."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise InputTooLarge(size_message(source, size, max_bytes))


def decode_text(data: bytes, source: str, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """Decode user input as UTF-8; raise InputError naming the source and the problem."""
    if len(data) > max_bytes:
        raise InputTooLarge(size_message(source, len(data), max_bytes))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{source}: looks like a binary file (NUL byte at offset {nul}), not text; "
            "save the draft as plain text (.txt, .md or .eml)"
        )
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise InputError(
            f"{source}:{line}:{column}: not valid UTF-8 (byte 0x{data[err.start]:02x} at offset "
            f"{err.start}); save the file as UTF-8 text"
        ) from None
    if not text.strip():
        raise InputError(f"{source}: input is empty; there is nothing to check")
    return text


def read_document(name: str, data: bytes, max_bytes: int = MAX_INPUT_BYTES) -> Document:
    """One input as the scorer should see it: an ``.eml`` as its subject and plain-text body,
    anything else as its decoded text."""
    text = decode_text(data, name, max_bytes)
    if Path(name).suffix.lower() != ".eml":
        return Document(body=text)
    return _read_eml(text, name)


def read_upload(name: str, data: bytes, max_bytes: int = MAX_INPUT_BYTES) -> Document:
    """An uploaded file: only the text types the uploader offers, then :func:`read_document`."""
    if Path(name).suffix.lower() not in TEXT_SUFFIXES:
        raise InputError(f"{name}: not a {', '.join(TEXT_SUFFIXES)} file")
    return read_document(name, data, max_bytes)


def _read_eml(text: str, name: str) -> Document:
    message = email.message_from_string(text, policy=email.policy.default)
    subject = str(message.get("subject", "") or "")
    part: Any = message.get_body(preferencelist=("plain",))
    if part is None:
        raise InputError(
            f"{name}: the email has no plain-text body (only HTML or attachments); "
            "copy the email's text and paste it instead"
        )
    try:
        body = str(part.get_content())
    except (LookupError, UnicodeError, ValueError) as exc:
        raise InputError(f"{name}: the email body could not be decoded ({exc})") from None
    body = body.replace("\r\n", "\n").strip("\n")
    if not body.strip():
        raise InputError(f"{name}: the email has an empty body; there is nothing to check")
    return Document(subject=" ".join(subject.split()), body=body)


def read_text_file(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """Read one file as :func:`read_document` does (the body, for an .eml), turning OS errors
    into InputError."""
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a folder, not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputTooLarge(size_message(str(path), size, max_bytes))
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    return read_document(str(path), data, max_bytes).body


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; folders replaced by the text files inside them, recursively and sorted."""
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            expanded.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
                )
            )
        else:
            expanded.append(path)
    return expanded


def _size(n: int) -> str:
    if n >= 1_048_576:
        return f"{n / 1_048_576:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"
