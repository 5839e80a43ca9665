"""Drafts in and out of files: read an uploaded .txt/.md/.eml safely, write .md/.txt/.eml.

Reading refuses what cannot be a draft (too large, binary, not UTF-8) with a message naming the
file and the problem, so the app shows it instead of crashing. Writing keeps header injection out
of .eml files: a subject can never carry a line break into the headers.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from pydantic import BaseModel

from assistant.errors import InputError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
UPLOAD_TYPES = ("txt", "md", "eml")


class Document(BaseModel):
    """A draft read from a file: its subject (from .eml headers, when any) and body."""

    subject: str = ""
    body: str


def decode_text(data: bytes, name: str, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """UTF-8 text from bytes, or InputError saying exactly why not."""
    if not data:
        raise InputError(f"'{name}' is empty: there is no draft to check.")
    if len(data) > max_bytes:
        raise InputError(
            f"'{name}' is {len(data) / 1_048_576:.1f} MB; drafts up to "
            f"{max_bytes / 1_048_576:.0f} MB can be checked. Paste the part you want checked."
        )
    if b"\x00" in data[:8192]:
        raise InputError(
            f"'{name}' looks like a binary file (a Word document, PDF or image?). "
            "Save it as plain text (.txt), Markdown (.md) or an email (.eml) first."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"'{name}' is not UTF-8 text (byte {exc.start}, line {line}). "
            "Save it with UTF-8 encoding, or paste the text instead."
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_document(name: str, data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> Document:
    """A .txt/.md file as its text, or an .eml message as its subject and plain-text body."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in UPLOAD_TYPES:
        raise InputError(f"'{name}' is not a .txt, .md or .eml file.")
    text = decode_text(data, name, max_bytes)
    if suffix != "eml":
        if not text.strip():
            raise InputError(f"'{name}' holds only whitespace: there is no draft to check.")
        return Document(body=text)
    return _read_eml(text, name)


def _read_eml(text: str, name: str) -> Document:
    message = email.message_from_string(text, policy=email.policy.default)
    subject = str(message.get("subject", "") or "")
    part: Any = message.get_body(preferencelist=("plain",))
    if part is None:
        raise InputError(
            f"'{name}' has no plain-text body (only HTML or attachments). "
            "Copy the email's text and paste it instead."
        )
    try:
        body = str(part.get_content())
    except (LookupError, UnicodeError, ValueError) as exc:
        raise InputError(f"'{name}': the email body could not be decoded ({exc}).") from exc
    body = body.replace("\r\n", "\n").strip("\n")
    if not body.strip():
        raise InputError(f"'{name}' has an empty body: there is no draft to check.")
    return Document(subject=" ".join(subject.split()), body=body)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def to_text(subject: str, body: str) -> str:
    """Plain text: the subject line, a blank line, then the body."""
    subject = _one_line(subject)
    return f"Subject: {subject}\n\n{body.rstrip()}\n" if subject else f"{body.rstrip()}\n"


def to_markdown(subject: str, body: str, notes: str = "") -> str:
    """Markdown: the subject as a heading, the body as written, optional notes after a rule."""
    subject = _one_line(subject) or "Recovery email"
    out = f"# {subject}\n\n{body.rstrip()}\n"
    if notes.strip():
        out += f"\n---\n\n{notes.rstrip()}\n"
    return out


def to_eml(
    subject: str,
    body: str,
    *,
    to: str = "",
    sender: str = "",
    date: datetime | None = None,
) -> bytes:
    """An unsent .eml message a mail client opens as a draft (headers cannot be injected)."""
    message = EmailMessage()
    message["Subject"] = _one_line(subject) or "Recovery email"
    if to.strip():
        message["To"] = _one_line(to)
    if sender.strip():
        message["From"] = _one_line(sender)
    message["Date"] = email.utils.format_datetime(date or datetime.now().astimezone())
    message["X-Unsent"] = "1"
    message.set_content(body.rstrip() + "\n")
    return message.as_bytes(policy=email.policy.SMTP)


def safe_filename(title: str, suffix: str) -> str:
    """A download name from a case title: letters, digits and dashes only."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "amends-draft"
    return f"{stem}.{suffix}"
