"""Member registers: read a CSV export into plain ``Member`` records, reporting every bad row.

Pure parsing: no database.  A bad row never stops the import; it is reported
with its line number and the reason, and the good rows come back as members.
Headers are recognised by common synonyms ("Membership No", "Member ID",
"E-mail", "Post code"…), or mapped explicitly; columns that match nothing are
listed, not silently dropped.  Bytes are decoded by
:mod:`ballotbox.core.members.encodings` (UTF-8, UTF-16 with a byte-order mark,
Windows-1252), and a file in none of them is refused.  A malformed email
address or phone number is a warning on that field: the member is kept, since
neither plays any part in voting.  So is a card format or language that is not
recognised (the member gets the standard card, in no particular language):
:mod:`ballotbox.core.members.needs` reads the friendly spellings.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ballotbox.core.controlchars import control_character
from ballotbox.core.csvtext import rows
from ballotbox.core.errors import FileFormatError, InputError
from ballotbox.core.i18n import N_, _
from ballotbox.core.members.encodings import decode_register
from ballotbox.core.members.needs import FORMATS, STANDARD, card_format, language, large_print_flag

FIELDS = (
    "number",
    "name",
    "email",
    "phone",
    "postcode",
    "address",
    "format",
    "language",
    "largeprint",
)

SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": (
        "membershipnumber",
        "membershipno",
        "membernumber",
        "memberno",
        "memberid",
        "membershipid",
        "number",
        "no",
        "id",
        "ref",
        "reference",
    ),
    "name": ("name", "fullname", "membername", "displayname"),
    "email": ("email", "emailaddress", "mail"),
    "phone": (
        "phone",
        "phonenumber",
        "telephone",
        "tel",
        "mobile",
        "mobilenumber",
        "mobilephone",
        "landline",
    ),
    "postcode": ("postcode", "postalcode", "zip", "zipcode"),
    "address": (
        "address",
        "address1",
        "address2",
        "address3",
        "addressline1",
        "addressline2",
        "addressline3",
        "street",
        "town",
        "city",
        "county",
    ),
    "format": ("cardformat", "format", "cardtype", "formatneeded", "accessibleformat"),
    "language": ("language", "lang", "preferredlanguage", "iaith", "languagepreference"),
    "largeprint": ("largeprint", "largeprintcard", "needslargeprint"),  # a yes/no column
}
# Split-name registers: joined into ``name`` in this order.
_NAME_PARTS = (("title",), ("firstname", "forename", "givenname"), ("surname", "lastname"))

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+\Z")
_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})\Z")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+\Z")


@dataclass(frozen=True, slots=True)
class Member:
    """One member from a register; ``address`` holds the lines above the postcode."""

    org: str
    number: str
    name: str
    email: str = ""
    postcode: str = ""
    address: tuple[str, ...] = ()
    phone: str = ""
    key: int | None = None  # the stored member's id, when read back from the database
    card_format: str = STANDARD  # one of needs.FORMATS
    language: str = ""  # a code from i18n.languages(), or "" when the register gives none


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row left out of the import, with where it is and what is wrong."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class FieldWarning:
    """A member kept with a doubtful field: the line, which field, what it holds and why."""

    line: int
    number: str
    field: str
    value: str
    reason: str


@dataclass(slots=True)
class RegisterImport:
    """The result of reading a register: good members, bad rows, and how it was read."""

    org: str
    members: list[Member] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    encoding: str = "text"
    columns: dict[str, list[str]] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[FieldWarning] = field(default_factory=list)


def normalise_header(text: str) -> str:
    """A header reduced to lowercase letters and digits, for synonym matching."""
    return re.sub(r"[^a-z0-9]", "", text.strip().lower())


def display_postcode(text: str) -> str:
    """A postcode in upper case; UK postcodes get their single space before the last three."""
    compact = re.sub(r"\s+", "", text).upper()
    match = _UK_POSTCODE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else " ".join(text.upper().split())


def read_register(
    source: str | bytes | Path,
    org: str,
    mapping: dict[str, str | list[str]] | None = None,
    *,
    name: str = "input",
) -> RegisterImport:
    """Read a CSV register (text, bytes or a path); bad rows are reported, not fatal.

    ``name`` is what errors call the file (a path gives its own).
    """
    if isinstance(source, Path):
        name = source.name
        source = source.read_bytes()
    if isinstance(source, bytes):
        decoded = decode_register(source, name)  # refuses what it cannot read
        text, encoding = decoded.text, decoded.encoding
    else:
        text, encoding = source, "text"
    found = control_character(org)
    if found:
        raise InputError(
            N_("The organisation's name contains the invisible control character {char}."),
            char=found,
        )
    result = RegisterImport(org=org, encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_sniff(text))
    lines = rows(reader, name)  # a malformed line is one clear error naming it
    header: list[str] | None = None
    start = 1
    for row in lines:
        if not any(cell.strip() for cell in row):
            start = reader.line_num + 1
            continue
        header = row
        break
    if header is None:
        raise FileFormatError(_("the register is empty"), source=name)
    columns = _columns(header, mapping, name, start)
    result.columns = {f: [header[i] for i in idx] for f, idx in columns.items()}
    used = {i for indexes in columns.values() for i in indexes}
    result.unknown_columns = [h for i, h in enumerate(header) if i not in used and h.strip()]
    seen: dict[str, int] = {}
    start = reader.line_num + 1
    for row in lines:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        doubts: list[FieldWarning] = []
        member, reason = _member(row, len(header), columns, org, seen, line, doubts)
        if member is None:
            result.problems.append(RowProblem(line, reason))
        else:
            seen[member.number] = line
            result.members.append(member)
            result.warnings.extend(_warnings(member, line))
            result.warnings.extend(doubts)
    return result


def _sniff(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _columns(
    header: list[str], mapping: dict[str, str | list[str]] | None, source: str, line: int
) -> dict[str, list[int]]:
    normalised = [normalise_header(h) for h in header]
    columns: dict[str, list[int]] = {}
    for fieldname in FIELDS:
        if mapping and fieldname in mapping:
            wanted = mapping[fieldname]
            names = [wanted] if isinstance(wanted, str) else list(wanted)
            indexes = []
            for wanted_name in names:
                key = normalise_header(wanted_name)
                if key not in normalised:
                    raise FileFormatError(
                        _("no column “{column}” for {field}; the columns are: {found}").format(
                            column=wanted_name, field=fieldname, found=", ".join(header)
                        ),
                        source=source,
                        line=line,
                    )
                indexes.append(normalised.index(key))
            columns[fieldname] = indexes
            continue
        found = [i for i, h in enumerate(normalised) if h in SYNONYMS[fieldname]]
        if fieldname != "address":
            found = found[:1]
        if found:
            columns[fieldname] = found
    taken = {i for indexes in columns.values() for i in indexes}
    if "name" not in columns:
        parts = [
            i
            for synonyms in _NAME_PARTS
            for i, h in enumerate(normalised)
            if h in synonyms and i not in taken
        ]
        if parts:
            columns["name"] = parts
    if "number" not in columns:
        raise FileFormatError(
            _("no membership number column; the columns are: {found}").format(
                found=", ".join(header)
            ),
            source=source,
            line=line,
        )
    return columns


def _member(
    row: list[str],
    width: int,
    columns: dict[str, list[int]],
    org: str,
    seen: dict[str, int],
    line: int,
    doubts: list[FieldWarning],
) -> tuple[Member | None, str]:
    for cell in row:
        found = control_character(cell, multiline=True)
        if found:
            return None, _("a field holds the invisible control character {char}").format(
                char=found
            )
    if len(row) > width and not any(cell.strip() for cell in row[width:]):
        row = row[:width]  # trailing empty cells, as some spreadsheets write them
    if len(row) != width:
        return None, _("{found} fields where the header has {expected}").format(
            found=len(row), expected=width
        )

    def value(fieldname: str, sep: str = " ") -> str:
        cells = (row[i].strip() for i in columns.get(fieldname, []))
        return sep.join(c for c in cells if c)

    number = value("number")
    if not number:
        return None, _("missing membership number")
    if number in seen:
        return None, _("duplicate membership number {number} (first on line {first})").format(
            number=number, first=seen[number]
        )
    email = value("email").lower()
    address = tuple(
        part.strip()
        for i in columns.get("address", [])
        for part in row[i].splitlines()
        if part.strip()
    )
    member = Member(
        org=org,
        number=number,
        name=" ".join(value("name").split()),
        email=email,
        postcode=display_postcode(value("postcode")),
        address=address,
        phone=" ".join(value("phone").split()),
        card_format=_format(value("format"), value("largeprint"), number, line, doubts),
        language=_language(value("language"), number, line, doubts),
    )
    return member, ""


def _format(text: str, flag: str, number: str, line: int, doubts: list[FieldWarning]) -> str:
    """The card format from a format column and/or a yes/no large-print column."""
    found = card_format(text)
    if found is None:
        reason = _("unknown card format “{value}” (one of {formats}); given the standard card")
        doubts.append(
            FieldWarning(
                line, number, "format", text, reason.format(value=text, formats=", ".join(FORMATS))
            )
        )
        found = STANDARD
    large = large_print_flag(flag)
    if large is None:
        reason = _("“{value}” in the large-print column is neither yes nor no")
        doubts.append(FieldWarning(line, number, "largeprint", flag, reason.format(value=flag)))
    elif large and found == STANDARD:
        found = "large-print"
    elif large and found == "ballot-paper":
        found = "ballot-paper-large"
    return found


def _language(text: str, number: str, line: int, doubts: list[FieldWarning]) -> str:
    found = language(text)
    if found is None:
        reason = _("unknown language “{value}”; the member is kept with no language")
        doubts.append(FieldWarning(line, number, "language", text, reason.format(value=text)))
        return ""
    return found


def _warnings(member: Member, line: int) -> list[FieldWarning]:
    """Doubtful emails and phone numbers: kept as written, flagged for the officer."""
    found = []
    if member.email and not _EMAIL.match(member.email):
        reason = _("malformed email address “{email}”").format(email=member.email)
        found.append(FieldWarning(line, member.number, "email", member.email, reason))
    if member.phone:
        digits = sum(ch.isdigit() for ch in member.phone)
        if not _PHONE_CHARS.match(member.phone) or not 7 <= digits <= 15:
            reason = _("malformed phone number “{phone}”").format(phone=member.phone)
            found.append(FieldWarning(line, member.number, "phone", member.phone, reason))
    return found
