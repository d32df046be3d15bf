"""The .eml: parsed back with Python's email package; headers, parts, determinism, injection."""

from __future__ import annotations

import re
from dataclasses import replace
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CASES, GOLDEN
from recap_mailer.build import build_campaign
from recap_mailer.errors import SourceError
from recap_mailer.model import Campaign
from recap_mailer.render.message import (
    MAX_LINE_OCTETS,
    TEST_PREFIX,
    HeaderError,
    build_message,
    header_problem,
)


@pytest.fixture(scope="module")
def builds() -> dict:
    return {case: build_campaign(path) for case, path in CASES.items()}


@pytest.fixture(scope="module")
def campaign(builds: dict) -> Campaign:
    return builds["minimal"].campaign


def _parse(data: bytes) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _campaign_dir(tmp_path: Path, slug: str = "case", **replacements: str) -> Path:
    """Copy the minimal campaign, replacing whole source lines that start with each key."""
    text = (CASES["minimal"] / "recap.yaml").read_text(encoding="utf-8")
    for old, new in replacements.items():
        pattern = re.compile(rf"^(\s*){re.escape(old)}:.*$", re.MULTILINE)
        assert pattern.search(text), old
        text = pattern.sub(lambda m, new=new, old=old: f"{m[1]}{old}: {new}", text, count=1)
    folder = tmp_path / slug
    folder.mkdir()
    (folder / "recap.yaml").write_text(text, encoding="utf-8")
    return folder


def _with_email(campaign: Campaign, **changes: object) -> Campaign:
    return replace(campaign, email=replace(campaign.email, **changes))


@pytest.mark.parametrize("case", list(CASES))
def test_eml_parts_decode_to_what_was_rendered(case: str, builds: dict) -> None:
    result = builds[case]
    message = _parse(result.files["email.eml"])
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    # The wire form is CRLF; the decoded text differs from what was rendered only by that.
    text, page = (p.get_content().replace("\r\n", "\n") for p in parts)
    assert text == result.files["email.txt"].decode("utf-8")
    # A MIME text part ends with a line break; the HTML as rendered may not.
    html = result.email.html.replace("\r\n", "\n")
    assert page == (html if html.endswith("\n") else html + "\n")


@pytest.mark.parametrize("case", list(CASES))
def test_eml_headers(case: str, builds: dict) -> None:
    campaign = builds[case].campaign
    message = _parse(builds[case].files["email.eml"])
    email = campaign.email
    domain = email.sender.address.split("@")[1]
    assert message["Subject"] == email.subject
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (email.sender.name, email.sender.address)
    assert message["Date"].datetime == email.send_at
    assert message["MIME-Version"] == "1.0"
    assert re.fullmatch(rf"<[0-9a-f]{{32}}@{re.escape(domain)}>", message["Message-ID"])
    assert message["List-Id"] == f"<{email.list_id or campaign.slug + '.' + domain}>"
    if email.test_recipients:
        assert [a.addr_spec for a in message["To"].addresses] == list(email.test_recipients)
    else:
        assert str(message["To"]) == "undisclosed-recipients:;"
    if email.reply_to:
        assert message["Reply-To"].addresses[0].addr_spec == email.reply_to


def test_sample_has_no_list_unsubscribe_because_mailchimp_adds_its_own(builds: dict) -> None:
    message = _parse(builds["soc23-day1"].files["email.eml"])
    assert builds["soc23-day1"].campaign.email.service == "mailchimp"
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None


@pytest.mark.parametrize("case", ["minimal", "awkward"])
def test_https_unsubscribe_is_one_click(case: str, builds: dict) -> None:
    message = _parse(builds[case].files["email.eml"])
    url = builds[case].campaign.email.unsubscribe_url
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mailto_unsubscribe_has_no_one_click(builds: dict) -> None:
    campaign = _with_email(builds["minimal"].campaign, unsubscribe_url="mailto:unsub@example.org")
    message = _parse(build_message(campaign, "text\n", "<p>html</p>"))
    assert message["List-Unsubscribe"] == "<mailto:unsub@example.org>"
    assert message["List-Unsubscribe-Post"] is None


def test_long_unsubscribe_url_stays_one_readable_line(builds: dict) -> None:
    url = "https://example.org/unsubscribe/" + "a" * 300 + "?list=1&token=xyz"
    data = build_message(_with_email(builds["minimal"].campaign, unsubscribe_url=url), "t\n", "h")
    assert f"List-Unsubscribe: <{url}>\r\n".encode() in data
    assert b"=?utf-8?" not in data.split(b"\r\n\r\n")[0]


def test_configured_list_id_and_recipients(builds: dict) -> None:
    campaign = _with_email(builds["minimal"].campaign, list_id="recaps.example.org",
                           test_recipients=("a@example.org", "b@example.org"))
    message = _parse(build_message(campaign, "t\n", "h"))
    assert message["List-Id"] == "<recaps.example.org>"
    assert message["To"] == "a@example.org, b@example.org"


@pytest.mark.parametrize("case", list(CASES))
def test_eml_is_ascii_crlf_and_no_line_over_998_octets(case: str, builds: dict) -> None:
    data = builds[case].files["email.eml"]
    assert data.isascii()
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= MAX_LINE_OCTETS
    # Headers fold at 78 columns wherever there is a place to fold.
    head = data.split(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78


@pytest.mark.parametrize("case", list(CASES))
def test_eml_is_byte_identical_for_the_same_source(case: str, builds: dict) -> None:
    again = build_campaign(CASES[case]).files["email.eml"]
    assert again == builds[case].files["email.eml"]


def test_message_id_and_boundary_follow_the_content(builds: dict) -> None:
    campaign = builds["minimal"].campaign
    first = _parse(build_message(campaign, "one\n", "<p>one</p>"))
    same = _parse(build_message(campaign, "one\n", "<p>one</p>"))
    other = _parse(build_message(campaign, "two\n", "<p>two</p>"))
    assert first["Message-ID"] == same["Message-ID"] != other["Message-ID"]
    assert first.get_boundary() == same.get_boundary() != other.get_boundary()


def test_test_copy_has_prefixed_subject_and_its_own_recipients(builds: dict) -> None:
    campaign = builds["soc23-day1"].campaign
    data = build_message(campaign, "t\n", "h", recipients=["staff@example.org"],
                         subject_prefix=TEST_PREFIX)
    message = _parse(data)
    assert message["Subject"] == "[TEST] Highlights from Day 1 of SOC23"
    assert message["To"] == "staff@example.org"


def test_long_non_ascii_subject_is_encoded_words_that_decode_back(builds: dict) -> None:
    subject = ("Récapitulatif de la journée : « Économie sociale » et 日本語のセッション, "
               "avec émojis 🎉 et une très longue ligne d’objet qui dépasse les 75 caractères")
    assert len(subject) > 75
    data = build_message(_with_email(builds["minimal"].campaign, subject=subject), "t\n", "h")
    head = data.split(b"\r\n\r\n")[0].decode("ascii")
    subject_lines = re.search(r"^Subject:.*?(?=\r\n\S)", head, re.MULTILINE | re.DOTALL)[0]
    words = re.findall(r"=\?utf-8\?[bq]\?[^?]*\?=", subject_lines, re.IGNORECASE)
    assert len(words) >= 2
    assert all(len(word) <= 75 for word in words)
    assert all(len(line) <= 78 for line in subject_lines.split("\r\n"))
    assert _parse(data)["Subject"] == subject
    # The legacy parser agrees.
    legacy = message_from_bytes(data, policy=policy.compat32)
    assert str(make_header(decode_header(legacy["Subject"]))) == subject


@pytest.mark.parametrize("value", [
    "Hello\r\nBcc: victim@example.org",
    "Hello\nBcc: victim@example.org",
    "Hello\rBcc: victim@example.org",
    "Hello\x00world",
    "Hello\u2028Bcc: victim@example.org",
    "Hello\ud800",
    "Hello =?UTF-8?Q?=0A?=Bcc: victim@example.org",
    "=?utf-8?b?SGkKQmNjOiB4QHkub3Jn?=",
], ids=["crlf", "lf", "cr", "nul", "line-separator", "surrogate", "encoded-lf", "encoded-b64"])
def test_header_injection_in_subject_or_name_is_refused(value: str, builds: dict) -> None:
    assert header_problem(value)
    campaign = builds["minimal"].campaign
    for bad in (_with_email(campaign, subject=value),
                _with_email(campaign, sender=replace(campaign.email.sender, name=value))):
        with pytest.raises(HeaderError) as caught:
            build_message(bad, "t\n", "h")
        assert caught.value.diagnostics[0].message.startswith(("email.subject", "email.from"))


@pytest.mark.parametrize("recipient", ["a@example.org\r\nBcc: b@example.org",
                                       "a@example.org, b@example.org", "Name <a@example.org>",
                                       "ü@example.org"])
def test_bad_test_recipient_is_refused(recipient: str, builds: dict) -> None:
    with pytest.raises(HeaderError):
        build_message(builds["minimal"].campaign, "t\n", "h", recipients=[recipient])


def test_unsubscribe_url_that_would_break_out_of_its_brackets_is_refused(builds: dict) -> None:
    campaign = _with_email(builds["minimal"].campaign,
                           unsubscribe_url="https://example.org/u>, <mailto:x@example.org")
    with pytest.raises(HeaderError, match="List-Unsubscribe"):
        build_message(campaign, "t\n", "h")


def test_encoded_word_in_subject_is_a_source_error_at_its_line(tmp_path: Path) -> None:
    folder = _campaign_dir(tmp_path, subject='"Recap =?UTF-8?Q?=0A?=Bcc: victim@example.org"')
    with pytest.raises(SourceError) as caught:
        build_campaign(folder)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.path.endswith("recap.yaml")
    assert (diagnostic.line, diagnostic.col) == (4, 12)
    assert diagnostic.message.startswith("email.subject: ")
    assert "encoded-word" in diagnostic.message
    assert not (tmp_path / "out").exists()


def test_encoded_word_in_sender_name_is_a_source_error(tmp_path: Path) -> None:
    folder = _campaign_dir(
        tmp_path, **{"from": "{name: 'Team =?utf-8?q?=0D=0A?=Bcc: x@example.org', "
                             "address: news@example.org}"})
    with pytest.raises(SourceError) as caught:
        build_campaign(folder)
    assert caught.value.diagnostics[0].message.startswith("email.from.name: ")
    assert caught.value.diagnostics[0].line == 6


@pytest.mark.parametrize("subject", ['"Recap\\nBcc: victim@example.org"',
                                     '"Recap\\r\\nBcc: victim@example.org"',
                                     '"Recap\\0"'], ids=["lf", "crlf", "nul"])
def test_line_break_or_nul_in_subject_is_a_source_error(subject: str, tmp_path: Path) -> None:
    folder = _campaign_dir(tmp_path, subject=subject)
    with pytest.raises(SourceError) as caught:
        build_campaign(folder)
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.col) == (4, 12)
    assert diagnostic.message.startswith("email.subject: ")


@pytest.mark.parametrize("name", [
    "Équipe des Événements de la Conférence Internationale « Économie sociale » 2024",
    "山田太郎" * 12 + " 🎉",
], ids=["latin", "cjk"])
def test_long_non_ascii_sender_name_folds_within_limits(name: str, builds: dict) -> None:
    campaign = builds["minimal"].campaign
    data = build_message(_with_email(campaign, sender=replace(campaign.email.sender, name=name)),
                         "t\n", "h")
    head = data.split(b"\r\n\r\n")[0].decode("ascii")
    assert all(len(line) <= 78 for line in head.split("\r\n"))
    assert all(len(w) <= 75 for w in re.findall(r"=\?utf-8\?[bq]\?[^?]*\?=", head, re.I))
    # RFC 2047 drops the folding space between adjacent encoded-words; the legacy decoder
    # does, while 3.11's modern address parser keeps it (a CPython bug): compare sans spaces.
    legacy = message_from_bytes(data, policy=policy.compat32)
    assert str(make_header(decode_header(legacy["From"]))) == f"{name} <news@example.org>"
    sender = _parse(data)["From"].addresses[0]
    assert "".join(sender.display_name.split()) == "".join(name.split())
    assert sender.addr_spec == "news@example.org"


def test_ascii_sender_name_with_specials_is_quoted(builds: dict) -> None:
    campaign = builds["minimal"].campaign
    name = 'Team "News", Events <Dept>'
    data = build_message(_with_email(campaign, sender=replace(campaign.email.sender, name=name)),
                         "t\n", "h")
    sender = _parse(data)["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (name, "news@example.org")


#: RFC 2045: an encoded line of quoted-printable is at most 76 characters.
QP_LINE = 76


@pytest.mark.parametrize("case", sorted(p.parent.name for p in GOLDEN.glob("*/email.eml")))
def test_golden_eml_reads_back_as_its_text_and_html(case: str) -> None:
    folder = GOLDEN / case
    data = (folder / "email.eml").read_bytes()
    body = data.split(b"\r\n\r\n", 1)[1]
    too_long = [line for line in body.split(b"\r\n") if len(line) > QP_LINE]
    assert too_long == []
    text, html = (part.get_payload(decode=True).replace(b"\r\n", b"\n")
                  for part in _parse(data).iter_parts())
    assert text == (folder / "email.txt").read_bytes()
    # A MIME text part ends with a line break; email.html has none at its end.
    assert html == (folder / "email.html").read_bytes() + b"\n"


_BODY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400) | st.lists(
    st.sampled_from(["a", " ", "\t", "=", "é", "\n", "\r\n", "x" * 70, "\u2028", "\x0c", "🎉"]),
    max_size=60).map("".join)


@given(text=_BODY_TEXT, html=_BODY_TEXT)
@settings(max_examples=200, deadline=None)
def test_parts_decode_back_within_76_characters_a_line(text: str, html: str,
                                                      campaign: Campaign) -> None:
    data = build_message(campaign, text, html)
    body = data.split(b"\r\n\r\n", 1)[1]
    assert all(len(line) <= QP_LINE for line in body.split(b"\r\n"))
    for part, given_text in zip(_parse(data).iter_parts(), (text, html), strict=True):
        decoded = part.get_payload(decode=True).decode("utf-8")
        # Line breaks of any kind become CRLF on the wire; a part, even empty, ends with one.
        lines = given_text.encode("utf-8").splitlines() or [b""]
        assert decoded == "".join(f"{line.decode('utf-8')}\r\n" for line in lines)
