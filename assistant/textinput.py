"""Turn bytes a user handed us (a file, stdin, an upload) into text, or say exactly what is wrong.

Shared by the CLI and the app so that an empty, huge, binary or non-UTF-8 input gets the same
plain message everywhere. Text is decoded as UTF-8 with no newline translation, so scorer spans
are indices into exactly what the user gave.
"""

from __future__ import annotations

from pathlib import Path

from assistant.errors import InputError

MAX_INPUT_BYTES = 1_048_576
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".eml", ".text")


def decode_text(data: bytes, source: str, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """Decode user input as UTF-8; raise InputError naming the source and the problem."""
    if len(data) > max_bytes:
        raise InputError(
            f"{source}: input is {_size(len(data))}, over the {_size(max_bytes)} limit; "
            "a recovery letter is a few KB (raise the limit with --max-bytes if you mean it)"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{source}: looks like a binary file (NUL byte at offset {nul}), not text; "
            "save the draft as plain text (.txt, .md or .eml)"
        )
    try:
        text = data.decode("utf-8")
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


def read_text_file(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """Read and decode one file, turning OS errors into InputError."""
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a folder, not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path}: input is {_size(size)}, over the {_size(max_bytes)} limit; "
                "a recovery letter is a few KB (raise the limit with --max-bytes if you mean it)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    return decode_text(data, str(path), max_bytes)


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
