"""Text + HTML -> a standard MIME message (.eml), with the checks its header values need."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from email import policy
from email.header import Header
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, formataddr
from typing import Any

from recap_mailer.errors import Diagnostic, SourceError
from recap_mailer.format.kinds import ENCODED_WORD
from recap_mailer.format.source import SOURCE_NAME, Path_, format_path
from recap_mailer.model import Campaign

#: RFC 5322: no line of a message may pass 998 octets (CRLF not counted).
MAX_LINE_OCTETS = 998

#: Prefixed to the subject of a test send, so nobody mistakes it for the real thing.
TEST_PREFIX = "[TEST] "

# Headers we fold ourselves must still fit one line; a longer address cannot be a header.
_MAX_HEADER_VALUE = 900

# SMTP policy (CRLF, 78-column folding); refold_source="none" so the values stored raw with
# set_raw (addresses in angle brackets) are never re-encoded: Python would turn a long
# List-Unsubscribe URL into RFC 2047 encoded-words, which no mail client reads as a URL.
_POLICY = policy.SMTP.clone(refold_source="none")
# Quoted-printable bodies at RFC 2045's 76 characters a line (the email package encodes a body
# at its policy's max_line_length, which is 78 for headers under the SMTP policy).
_BODY_POLICY = _POLICY.clone(max_line_length=76)

# Line breaks and other controls, and lone surrogates (they cannot be encoded as UTF-8 at all).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]")
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9-]+)+")
_ANGLE_SAFE = re.compile(r"[^\s<>\x00-\x1f\x7f]+")


class HeaderError(SourceError):
    """A value that would go into a message header is unsafe (a line break, an encoded-word)."""


def header_problem(value: str) -> str | None:
    """Say why ``value`` cannot go into a header as it is, or None when it is safe."""
    if _CONTROL.search(value):
        return "must be a single line without control characters (no CR, LF or NUL)"
    if ENCODED_WORD.search(value):
        return "must not contain an RFC 2047 encoded-word such as =?UTF-8?Q?...?="
    return None


def address_problem(value: str) -> str | None:
    """Say why ``value`` is not a bare email address safe for a header, or None."""
    problem = header_problem(value)
    if problem:
        return problem
    # ASCII only: an internationalised address needs SMTPUTF8, which a test send cannot assume.
    if not value.isascii() or not _ADDRESS.fullmatch(value) or len(value) > 254:
        return f"is not an email address: {value[:60]!r}"
    return None


def header_problems(campaign: Campaign) -> list[tuple[Path_, str]]:
    """Return (where in recap.yaml, problem) for each campaign value unsafe in a header."""
    email = campaign.email
    found: list[tuple[Path_, str]] = []

    def check(at: Path_, value: str | None, problem_of: Any = header_problem) -> None:
        problem = problem_of(value) if value is not None else None
        if problem:
            found.append((at, problem))

    check(("email", "subject"), email.subject)
    check(("email", "from", "name"), email.sender.name)
    check(("email", "from", "address"), email.sender.address, address_problem)
    check(("email", "reply_to"), email.reply_to, address_problem)
    for i, recipient in enumerate(email.test_recipients):
        check(("email", "test_recipients", i), recipient, address_problem)
    check(("email", "list_id"), email.list_id)
    if email.unsubscribe_url is not None:
        url = email.unsubscribe_url
        if not _ANGLE_SAFE.fullmatch(url) or len(url) > _MAX_HEADER_VALUE:
            found.append((("email", "unsubscribe_url"),
                          f"cannot go into List-Unsubscribe: it must be one line of at most "
                          f"{_MAX_HEADER_VALUE} characters without spaces, '<' or '>'"))
    return found


def check_headers(campaign: Campaign, path: str = SOURCE_NAME) -> None:
    """Raise HeaderError listing every campaign value that is unsafe in a header."""
    problems = header_problems(campaign)
    if problems:
        raise HeaderError([Diagnostic(path, 0, 0, "error", f"{format_path(at)}: {problem}")
                           for at, problem in problems])


def build_message(campaign: Campaign, text: str, html: str, *,
                  recipients: Iterable[str] | None = None, subject_prefix: str = "") -> bytes:
    """Return the email as RFC 5322 bytes (CRLF): multipart/alternative, text then HTML.

    The same campaign, text and HTML always give the same bytes: the Message-ID and MIME
    boundary are derived from a hash of the content, never from the clock or chance.
    """
    check_headers(campaign)
    to = tuple(campaign.email.test_recipients if recipients is None else recipients)
    problems = [f"recipient {r[:60]!r}: {p}" for r in to if (p := address_problem(r))]
    if problems or header_problem(subject_prefix):
        raise HeaderError([Diagnostic("--to", 0, 0, "error", p)
                           for p in problems or ["unsafe subject prefix"]])
    email = campaign.email
    subject = subject_prefix + email.subject
    domain = email.sender.address.rsplit("@", 1)[1].lower()
    digest = _digest(campaign.slug, subject, ",".join(to), text, html)

    message = EmailMessage(policy=_POLICY)
    message.set_raw("Subject", _encoded(subject, "Subject"))
    message.set_raw("From", _mailbox(email.sender.name, email.sender.address, "From"))
    # A message with no recipients yet still has a valid To: the empty group of RFC 5322.
    message["To"] = ", ".join(to) if to else "undisclosed-recipients:;"
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Date"] = format_datetime(email.send_at)
    message.set_raw("Message-ID", f"<{digest[:32]}@{domain}>")
    message.set_raw("List-Id", f"<{email.list_id or default_list_id(campaign.slug, domain)}>")
    _add_unsubscribe(message, email.unsubscribe_url)
    message["MIME-Version"] = "1.0"
    # "=_" cannot occur in quoted-printable text, so the boundary never collides with a body.
    boundary = f"=_recap_{digest[32:56]}"
    message["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    # The email package folds the headers and encodes each part; the parts are joined here
    # with the boundary derived above.
    head = b"".join(_POLICY.fold_binary(name, value) for name, value in message.raw_items())
    delimiter = f"\r\n--{boundary}".encode("ascii")
    data = (head + delimiter + b"\r\n" + _part("plain", text) + delimiter + b"\r\n"
            + _part("html", html) + delimiter + b"--\r\n")
    _check_line_lengths(data)
    return data


def _part(subtype: str, body: str) -> bytes:
    """Return one text part, UTF-8 in quoted-printable, as the email package writes it."""
    part = MIMEPart(policy=_BODY_POLICY)
    part.set_content(body, subtype=subtype, charset="utf-8", cte="quoted-printable")
    return part.as_bytes()


def _encoded(value: str, header: str) -> str:
    """Fold a header value at 78 columns, as RFC 2047 encoded-words of at most 75 if not ASCII.

    Python 3.11's own folder emits 76-character encoded-words and can lose the space before
    an encoded-word; the legacy Header class keeps each line, so each word, within 76.
    """
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, maxlinelen=76, header_name=header).encode(linesep="\n")


def _mailbox(name: str, address: str, header: str) -> str:
    """Return ``Name <address>``: quoted if ASCII with specials, encoded-words otherwise."""
    if name.isascii():
        phrase = formataddr((name, address)).removesuffix(f" <{address}>")
    else:
        phrase = _encoded(name, header)
    last_line = f"{header}: {phrase}".rsplit("\n", 1)[-1]
    # Fold before the address rather than let the last line pass 78 columns.
    separator = "\n " if len(last_line) + len(address) + 3 > 78 else " "
    return f"{phrase}{separator}<{address}>"


def default_list_id(slug: str, domain: str) -> str:
    """Return a List-Id for a campaign without one: ``<slug>.<sender's domain>``."""
    # A list-id is a dot-atom: no "..", no leading or trailing dot, no "_" (kept to a label).
    label = re.sub(r"[^a-z0-9-]+", "-", slug.lower()).strip("-") or "recap"
    return f"{label}.{domain}"


def _add_unsubscribe(message: EmailMessage, url: str | None) -> None:
    """Add List-Unsubscribe; RFC 8058 one-click only for an https address.

    With a Mailchimp or listmonk merge tag and no unsubscribe_url, the header is left out: a
    merge tag is only filled in in the body, and those services add their own
    List-Unsubscribe (with one-click) to every message they send.
    """
    if not url:
        return
    message.set_raw("List-Unsubscribe", f"<{url}>")
    if url.startswith("https:"):
        message.set_raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")


def _digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8", "surrogatepass")
        hasher.update(len(encoded).to_bytes(8, "big") + encoded)
    return hasher.hexdigest()


def _check_line_lengths(data: bytes) -> None:
    lines = data.split(b"\r\n")
    if max(map(len, lines)) <= MAX_LINE_OCTETS:
        return
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_OCTETS:
            raise HeaderError([Diagnostic("email.eml", number, 1, "error",
                                          f"line is {len(line)} octets; RFC 5322 allows "
                                          f"{MAX_LINE_OCTETS}")])
