"""Drafts out to files: .md, .txt and .eml exports, and safe download names.

Reading is elsewhere, on purpose: every input (CLI file, stdin, upload) goes through
``assistant.textinput`` so it is decoded one way. Writing keeps header injection out of .eml
files: a subject can never carry a line break into the headers.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from datetime import datetime
from email.message import EmailMessage


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
