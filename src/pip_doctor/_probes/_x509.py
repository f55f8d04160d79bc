"""Read the subject, issuer and validity of a certificate (DER), stdlib only.

Python's ``ssl`` module only decodes a peer's certificate once it has been
verified; pip-doctor reads it precisely when verification failed. X.509 is
ASN.1 DER: this reads just enough of it (the names and the dates of the
``TBSCertificate``), and raises ``ValueError`` on anything it cannot read.
"""

from __future__ import annotations

import datetime
from typing import Optional

import attrs

#: Attribute types of a distinguished name, by OID, with OpenSSL's short names.
_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "1.2.840.113549.1.9.1": "emailAddress",
}


@attrs.frozen(kw_only=True)
class Certificate:
    """What a certificate says about itself. Names are ``(("CN", "x"), ...)``."""

    subject: tuple[tuple[str, str], ...]
    issuer: tuple[tuple[str, str], ...]
    not_before: datetime.datetime
    not_after: datetime.datetime

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer


def name_text(name: tuple[tuple[str, str], ...]) -> str:
    """``CN=x, O=y``, as OpenSSL prints a name (in the certificate's order)."""
    return ", ".join(f"{key}={value}" for key, value in name) or "(empty)"


def _read(data: bytes, offset: int) -> tuple[int, int, int]:
    """``(tag, start of content, end of content)`` of the element at ``offset``."""
    if offset + 2 > len(data):
        raise ValueError("truncated")
    tag = data[offset]
    length = data[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            raise ValueError("bad length")
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    end = start + length
    if end > len(data):
        raise ValueError("truncated")
    return tag, start, end


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    items = []
    while start < end:
        tag, content, stop = _read(data, start)
        items.append((tag, content, stop))
        start = stop
    return items


def _oid(raw: bytes) -> str:
    if not raw:
        raise ValueError("empty OID")
    parts = [raw[0] // 40, raw[0] % 40]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _name(data: bytes, start: int, end: int) -> tuple[tuple[str, str], ...]:
    found = []
    for _set_tag, set_start, set_end in _children(data, start, end):
        for _seq_tag, seq_start, seq_end in _children(data, set_start, set_end):
            parts = _children(data, seq_start, seq_end)
            if len(parts) != 2:
                raise ValueError("bad attribute")
            (_t, oid_start, oid_end), (value_tag, value_start, value_end) = parts
            oid = _oid(data[oid_start:oid_end])
            raw = data[value_start:value_end]
            value = raw.decode("utf-16-be" if value_tag == 0x1E else "utf-8", "replace")
            found.append((_NAMES.get(oid, oid), value))
    return tuple(found)


def _time(tag: int, raw: bytes) -> datetime.datetime:
    text = raw.decode("ascii")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif tag != 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        raise ValueError("bad time")
    when = datetime.datetime.strptime(text[:14], "%Y%m%d%H%M%S")
    return when.replace(tzinfo=datetime.timezone.utc)


def parse_certificate(der: bytes) -> Certificate:
    """The names and dates of the DER certificate ``der`` (``ValueError`` if unreadable)."""
    _tag, start, end = _read(der, 0)
    (tbs_tag, tbs_start, tbs_end), *_rest = _children(der, start, end)
    if tbs_tag != 0x30:
        raise ValueError("not a certificate")
    fields = _children(der, tbs_start, tbs_end)
    if fields and fields[0][0] == 0xA0:  # explicit version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject
    if len(fields) < 5:
        raise ValueError("not a certificate")
    issuer = _name(der, fields[2][1], fields[2][2])
    times = _children(der, fields[3][1], fields[3][2])
    if len(times) != 2:
        raise ValueError("bad validity")
    not_before = _time(times[0][0], der[times[0][1]:times[0][2]])
    not_after = _time(times[1][0], der[times[1][1]:times[1][2]])
    subject = _name(der, fields[4][1], fields[4][2])
    return Certificate(subject=subject, issuer=issuer, not_before=not_before,
                       not_after=not_after)


def try_parse(der: Optional[bytes]) -> Optional[Certificate]:
    """:func:`parse_certificate`, or None for no or unreadable data."""
    if not der:
        return None
    try:
        return parse_certificate(der)
    except (ValueError, IndexError, UnicodeDecodeError):
        return None
