"""Reading uploads and writing exports: clear refusals, no header injection."""

from __future__ import annotations

import email
import email.policy

import pytest

from assistant.documents import read_document, safe_filename, to_eml, to_markdown, to_text
from assistant.errors import InputError


def test_text_and_markdown_are_read_as_utf8_with_normalised_newlines() -> None:
    doc = read_document("d.txt", "\ufeffDear Ana,\r\nSorry.\r\n".encode())
    assert doc.body == "Dear Ana,\nSorry.\n" and doc.subject == ""
    assert read_document("d.md", b"# Hi\n").body == "# Hi\n"


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.md", b"  \n\t\n", "only whitespace"),
        ("report.txt", b"%PDF-1.7\x00\x00\x01", "binary"),
        ("latin.txt", "na\xefve\ncaf\xe9".encode("latin-1"), "not UTF-8 text (byte 2, line 1)"),
        ("big.txt", b"x" * (2 * 1024 * 1024 + 1), "2.0 MB"),
        ("draft.docx", b"PK\x03\x04", "not a .txt, .md or .eml"),
    ],
)
def test_bad_uploads_get_a_message_naming_the_file(name: str, data: bytes, needle: str) -> None:
    with pytest.raises(InputError) as err:
        read_document(name, data)
    assert name in str(err.value) and needle in str(err.value)


def test_eml_gives_subject_and_plain_body() -> None:
    raw = (
        b"Subject: =?utf-8?q?Sorry_about_Friday?=\nTo: a@example.com\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/alternative; boundary="b"\n\n--b\n'
        b"Content-Type: text/plain; charset=utf-8\n\nDear Ana,\nWe are sorry.\n--b\n"
        b"Content-Type: text/html\n\n<p>Dear Ana</p>\n--b--\n"
    )
    doc = read_document("mail.eml", raw)
    assert doc.subject == "Sorry about Friday"
    assert doc.body.startswith("Dear Ana,\nWe are sorry.")


def test_html_only_eml_is_refused_plainly() -> None:
    raw = b"Subject: x\nContent-Type: text/html\n\n<p>Hi</p>\n"
    with pytest.raises(InputError, match="no plain-text body"):
        read_document("html.eml", raw)


def test_eml_export_cannot_carry_injected_headers() -> None:
    data = to_eml("Sorry\r\nBcc: everyone@example.com", "Dear Ana,\nSorry.\n")
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message["Bcc"] is None
    assert message["Subject"] == "Sorry Bcc: everyone@example.com"
    assert message.get_content().replace("\r\n", "\n").strip() == "Dear Ana,\nSorry."
    assert message["X-Unsent"] == "1"


def test_text_markdown_and_filenames() -> None:
    assert to_text("Hi", "Body\n\n") == "Subject: Hi\n\nBody\n"
    assert to_markdown("", "Body") == "# Recovery email\n\nBody\n"
    assert safe_filename("../../etc/passwd <x>", "md") == "etc-passwd-x.md"
    assert safe_filename("", "txt") == "amends-draft.txt"
