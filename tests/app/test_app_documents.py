"""Reading uploads (through the one reader the CLI uses too) and writing exports: clear refusals,
the same report for the same file in the app and the CLI, no header injection."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.documents import safe_filename, to_eml, to_markdown, to_text
from assistant.errors import InputError
from assistant.textinput import MAX_INPUT_BYTES, read_document, read_upload, size_message
from tests.app.conftest import errors, open_page

EML = (  # the subject is defensive too: only the body is the draft, in the CLI as in the app
    b"Subject: We apologise for any inconvenience caused\r\nFrom: a@example.com\r\nTo: b@example.com\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    b"\r\nDear Sam,\r\n\r\nWe are sorry if you felt let down by the delay. Unforeseen circumstan=\r\n"
    b"ces beyond our control meant the files were late.\r\nWe will do our best to ensure this never "
    b"happens again.\r\n"
)


def test_text_is_read_as_utf8_without_newline_translation() -> None:
    doc = read_document("d.txt", "\ufeffDear Ana,\r\nSorry.\r\n".encode())
    assert doc.body == "Dear Ana,\r\nSorry.\r\n" and doc.subject == ""
    assert read_document("d.md", b"# Hi\n").body == "# Hi\n"


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.md", b"  \n\t\n", "is empty"),
        ("report.txt", b"%PDF-1.7\x00\x00\x01", "binary"),
        ("latin.txt", "na\xefve\ncaf\xe9".encode("latin-1"), "not valid UTF-8 (byte 0xef at offset 2)"),
        ("big.txt", b"x" * (2 * 1024 * 1024 + 1), "input is 2.0 MB, over the 1.0 MB limit"),
        ("draft.docx", b"PK\x03\x04", "not a .txt, .md, .markdown, .eml, .text file"),
    ],
)
def test_bad_uploads_get_a_message_naming_the_file(name: str, data: bytes, needle: str) -> None:
    with pytest.raises(InputError) as err:
        read_upload(name, data)
    assert name in str(err.value) and needle in str(err.value)


def test_an_eml_gives_the_same_report_in_the_app_and_the_cli(
    app_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One reader for both: the CLI scores the .eml's body, as the app does, never its headers."""
    path = tmp_path / "sorry.eml"
    path.write_bytes(EML)
    assert main(["check", "--format", "json", str(path)]) == 1
    cli = json.loads(capsys.readouterr().out)["files"][0]

    at = open_page("check")
    at.file_uploader(key="c.upload").set_value(("sorry.eml", EML, "message/rfc822")).run()
    assert not at.exception and not at.error, errors(at)
    body = str(at.text_area(key="c.text").value)
    assert "Content-Type" not in body and "circumstances beyond" in body
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics["Overall"] == cli["scores"]["overall"]
    for category, label in (("defensive", "Defensive"), ("vague_promise", "Vague promise"),
                            ("self_orientation", "Self-orientation")):
        assert metrics[label] == cli["scores"][category], category
    flagged = "\n".join(e.label for e in at.expander)
    for flag in cli["flags"]:
        assert body[flag["start"] : flag["end"]] == flag["match"]
        assert flag["match"][:40] in flagged.replace("\\", "")


def test_an_upload_over_the_limit_gets_the_clis_message(
    app_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = b"We are sorry for the delay. " * 54_000  # 1.5 MB
    path = tmp_path / "big.txt"
    path.write_bytes(big)
    assert main(["check", str(path)]) == 2
    expected = size_message("big.txt", len(big), MAX_INPUT_BYTES)
    assert expected.replace("big.txt", str(path)) in capsys.readouterr().err

    at = open_page("check")
    at.file_uploader(key="c.upload").set_value(("big.txt", big, "text/plain")).run()
    assert not at.exception
    assert expected in errors(at)
    # pasted text is held to the same limit, and is neither scored nor saved
    at.text_area(key="c.text").input(big.decode()).run()
    assert errors(at) == size_message("the pasted text", len(big), MAX_INPUT_BYTES)
    assert not at.metric


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
