"""Input field types for values with one right spelling: IP addresses, MAC
addresses, host names, stored files and web addresses. Each accepts the forms
people and tools write, stores one canonical form (so that a unique check or a
collector's re-push compares like with like) and refuses anything else with a
message that says what is accepted. Each also gives the OpenAPI document a
pattern that takes exactly what the server takes.

A resource gives a column one of these through `field_rules`
(`Resource(..., field_rules={"macaddress": MacAddress()})`); the column still
decides whether the field is required, nullable and how long it may be.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any

from marshmallow import ValidationError, fields

from shopdb.errors import ValidationError as ValidationFailure
from shopdb.services import users

MAC_FORMS = (
    "aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aa.bb.cc.dd.ee.ff, aabb.ccdd.eeff, "
    "aabb-ccdd-eeff or aabbccddeeff"
)
# One separator throughout: pairs (most systems), quads (Cisco dots, HPE
# Comware dashes), or none.
MAC_PATTERNS = (
    re.compile(r"[0-9a-f]{2}([:.-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}"),
    re.compile(r"[0-9a-f]{4}([.-])[0-9a-f]{4}\1[0-9a-f]{4}"),
    re.compile(r"[0-9a-f]{12}"),
)
HOSTNAME_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAXIMUM_HOSTNAME = 253

# The same rules as JSON Schema patterns, for the OpenAPI document, so a
# client generated from it sends only what is taken (any case; the server
# also trims spaces around a value).
_HEX = "[0-9A-Fa-f]"
MAC_PATTERN = (
    rf"^\s*(?:{_HEX}{{2}}([:.-]){_HEX}{{2}}(?:\1{_HEX}{{2}}){{4}}"
    rf"|{_HEX}{{4}}([.-]){_HEX}{{4}}\2{_HEX}{{4}}|{_HEX}{{12}})\s*$"
)
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# The last label holds a letter or a hyphen (never all digits, RFC 1123).
_LAST_LABEL = (
    "(?:[A-Za-z]|[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z]"
    "|[0-9][0-9]*[A-Za-z-][A-Za-z0-9-]*[A-Za-z0-9])"
)
HOSTNAME_PATTERN = rf"^\s*(?:{_LABEL}\.)*{_LAST_LABEL}\.?\s*$"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = rf"(?:{_OCTET}\.){{3}}{_OCTET}"


def _ipv6() -> str:
    """The text forms of RFC 4291 that Python's ipaddress reads: eight groups
    of one to four hex digits, or six and an IPv4 tail; one `::` stands for
    one or more zero groups. Written out per count of groups before the `::`,
    so that the pattern takes exactly what the server does."""
    group = "[0-9A-Fa-f]{1,4}"
    forms = [f"(?:{group}:){{7}}{group}", f"(?:{group}:){{6}}{IPV4}"]
    for left in range(8):
        before = f"(?:{group}:){{{left - 1}}}{group}" if left else ""
        after = f"(?:(?:{group}:){{0,{6 - left}}}{group})?" if left < 7 else ""
        tail = f"|(?:{group}:){{0,{5 - left}}}{IPV4}" if left <= 5 else ""
        forms.append(f"{before}::(?:{after}{tail})" if tail else f"{before}::{after}")
    return "(?:" + "|".join(forms) + ")"


IPV6 = _ipv6()
IP_PATTERN = rf"^\s*(?:{IPV4}|{IPV6})\s*$"


# The spaces the server trims (Python's str.strip) that JSON Schema's `\s`
# (ECMA-262) means too: the two disagree on a few (U+FEFF, U+001C to U+001F,
# U+0085), so a document pattern spells these out instead of `\s`, and a
# value generated from it is one the server takes.
SPACE = "[\\t\\n\\x0b\\x0c\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"


def document_pattern(pattern: str) -> str:
    """`pattern` with each `\\s` spelt out as SPACE."""
    return re.sub(r"(?<!\\)\\s", lambda _: SPACE, pattern)


class CanonicalText(fields.String):
    """Text checked and turned into its canonical form on input.

    `sample(number)` gives a valid value unique per number, for
    `Resource.sample()`.
    """

    description = ""

    # The document's pattern for the forms accepted ("" for none).
    pattern = ""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {"description": self.description})
        if self.pattern:
            kwargs["metadata"] = {"pattern": document_pattern(self.pattern), **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return self.canonical(super()._deserialize(value, attr, data, **kwargs).strip())

    def canonical(self, text: str) -> str:
        raise NotImplementedError

    def sample(self, number: int) -> str:
        raise NotImplementedError


class IpAddress(CanonicalText):
    """An IPv4 or IPv6 address, stored in its compressed form (`fd00::5`)."""

    description = "IPv4 or IPv6 address; stored compressed (10.0.0.5, fd00::5)"
    pattern = IP_PATTERN
    default_error_messages = {
        "invalid_ip": "Not an IP address; write IPv4 as 10.0.0.5 or IPv6 as fd00::5."
    }

    def canonical(self, text: str) -> str:
        try:
            # A zone (fe80::1%eth0) means something on one host only.
            address = ipaddress.ip_address("%" if "%" in text else text)
        except ValueError:
            raise self.make_error("invalid_ip") from None
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            # Written out by hand: Python before 3.13 compresses it to hex (::ffff:a00:1),
            # which would make the stored form depend on the Python version.
            return f"::ffff:{mapped}"
        return address.compressed

    def sample(self, number: int) -> str:
        return str(ipaddress.IPv4Address((10 << 24) + number % (1 << 24)))


class MacAddress(CanonicalText):
    """A 48-bit MAC address in any common spelling, stored lower-case with
    colons (`aa:bb:cc:dd:ee:ff`)."""

    description = f"MAC address: {MAC_FORMS}; stored as aa:bb:cc:dd:ee:ff"
    pattern = MAC_PATTERN
    default_error_messages = {"invalid_mac": f"Not a MAC address; write it as {MAC_FORMS}."}

    def canonical(self, text: str) -> str:
        lowered = text.lower()
        if not any(pattern.fullmatch(lowered) for pattern in MAC_PATTERNS):
            raise self.make_error("invalid_mac")
        digits = re.sub("[^0-9a-f]", "", lowered)
        return ":".join(digits[index : index + 2] for index in range(0, 12, 2))

    def sample(self, number: int) -> str:
        # 02:00:...: a locally administered address, never a real vendor's.
        digits = f"0200{number % (1 << 32):08x}"
        return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


class Hostname(CanonicalText):
    """A host name of RFC 1123 labels, stored lower-case without a trailing dot."""

    description = "Host name (RFC 1123): dot-separated labels of letters, digits and hyphens"
    pattern = HOSTNAME_PATTERN
    default_error_messages = {
        "invalid_hostname": (
            "Not a host name; use dot-separated labels of 1 to 63 letters, digits and "
            f"hyphens (no hyphen first or last), at most {MAXIMUM_HOSTNAME} characters."
        ),
        "numeric_hostname": (
            "Not a host name: its last label is all digits, like an IP address; send the "
            "address in an address field, or a name with a letter in its last label."
        ),
    }

    def canonical(self, text: str) -> str:
        name = text.lower().removesuffix(".")
        labels = name.split(".")
        if len(name) > MAXIMUM_HOSTNAME or not all(
            HOSTNAME_LABEL.fullmatch(label) for label in labels
        ):
            raise self.make_error("invalid_hostname")
        # RFC 1123: the last label is never all digits, so that no host name
        # reads as an address (10.0.0.300 is a mistyped address, not a name).
        if labels[-1].isdigit():
            raise self.make_error("numeric_hostname")
        return name

    def sample(self, number: int) -> str:
        return f"host{number}"


class HostOrAddress(Hostname):
    """A device's address as people write it: an IP address (stored
    compressed, as `IpAddress`) or a host name (stored lower-case, as
    `Hostname`)."""

    description = "IP address (10.0.0.5, fd00::5) or host name (RFC 1123)"
    pattern = rf"^\s*(?:{IPV4}|{IPV6}|(?:{_LABEL}\.)*{_LAST_LABEL}\.?)\s*$"
    refused = (
        "Not an IP address or host name; write an address as 10.0.0.5 or fd00::5, or "
        "a name of dot-separated labels of letters, digits and hyphens."
    )
    # 10.0.0.300 is neither: a name's last label is never all digits.
    default_error_messages = {"invalid_hostname": refused, "numeric_hostname": refused}

    def canonical(self, text: str) -> str:
        try:
            return IpAddress().canonical(text)
        except ValidationError:
            return super().canonical(text)


class Username(CanonicalText):
    """A user name as `users.normalise_username` takes it: stored lower-case."""

    description = f"User name: {users.USERNAME_RULE}; stored lower-case"
    pattern = rf"^\s*{users.USERNAME_FORM}\s*$"
    default_error_messages = {"invalid_username": f"Not a user name; use {users.USERNAME_RULE}."}

    def canonical(self, text: str) -> str:
        try:
            return users.normalise_username(text)
        except ValidationFailure:
            raise self.make_error("invalid_username") from None

    def sample(self, number: int) -> str:
        return f"user{number}"


# One part of a stored upload's path: starts with a letter, digit or "_" (so
# never "." or ".."), then letters, digits, ".", "_" and "-".
UPLOAD_PART = r"[A-Za-z0-9_][A-Za-z0-9._-]*"
UPLOAD_PATH = re.compile(rf"{UPLOAD_PART}(?:/{UPLOAD_PART})*")
UPLOAD_FORM = (
    "a path under ShopDB's upload folder such as floorplans/site.svg: parts of letters, "
    "digits, '.', '_' and '-' joined by '/', none starting with '.'"
)


class UploadPath(CanonicalText):
    """A file ShopDB stores (under the instance folder), by its relative path.
    Never absolute, never `..`, never a URL: the web UI serves and renders it,
    so it must not reach outside the upload folder (`../../etc/passwd`,
    `file:///...`). `folders` narrows it to paths inside those upload
    folders (`UploadPath(folders=("floorplans",))`): the instance folder also
    holds the SQLite database, which a floor plan must never name."""

    description = f"Stored file: {UPLOAD_FORM}"
    pattern = rf"^\s*{UPLOAD_PATH.pattern}\s*$"
    default_error_messages = {"invalid_upload": f"Not a stored file; give {UPLOAD_FORM}."}
    folders: tuple[str, ...] = ()

    def __init__(self, folders: Sequence[str] = (), **kwargs: Any) -> None:
        narrow_to_folders(self, folders, kwargs, "invalid_upload")
        super().__init__(**kwargs)

    def narrowed(self, form: str, pattern: str) -> tuple[str, str, str]:
        """(description, pattern, message) of paths inside the folders."""
        return f"Stored file: {form}", rf"^\s*{pattern}\s*$", f"Not a stored file; give {form}."

    def canonical(self, text: str) -> str:
        if not in_folders(text, self.folders):
            raise self.make_error("invalid_upload")
        return text

    def sample(self, number: int) -> str:
        folder = self.folders[0] if self.folders else "uploads"
        return f"{folder}/sample{number}.png"


def folder_pattern(folders: Sequence[str]) -> str:
    """The regular expression of upload paths inside `folders`."""
    names = "|".join(re.escape(folder.strip("/")) for folder in folders)
    return rf"(?:{names})/{UPLOAD_PART}(?:/{UPLOAD_PART})*"


def folder_form(folders: Sequence[str]) -> str:
    inside = " or ".join(f"{folder}/" for folder in folders)
    return (
        f"a path of an uploaded file inside {inside} (such as {folders[0]}/plan.svg; "
        "upload the file to store one)"
    )


def narrow_to_folders(field: Any, folders: Sequence[str], kwargs: dict[str, Any], key: str) -> None:
    """Set `field.folders`; when given, its description, pattern and the
    message under `key` name those folders (from `field.narrowed`)."""
    field.folders = tuple(folders)
    if field.folders:
        form, pattern = folder_form(field.folders), folder_pattern(field.folders)
        field.description, field.pattern, message = field.narrowed(form, pattern)
        kwargs.setdefault("error_messages", {key: message})


def in_folders(text: str, folders: Sequence[str]) -> bool:
    if not folders:
        return bool(UPLOAD_PATH.fullmatch(text))
    return re.fullmatch(folder_pattern(folders), text) is not None


# An http(s) URL as RFC 3986 writes one, without a user name or password:
# a host name, an IPv4 address or a bracketed IPv6 address, a port from 1 to
# 65535, then a path, query and fragment of URL characters (a space is
# written %20). The server checks a value against this very expression.
_PORT = "(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
_URL_HOST = rf"(?:{IPV4}|\[{IPV6}\]|(?:{_LABEL}\.)*{_LAST_LABEL}\.?)"
_URL_REST = r"[/?#][A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*"
WEB_URL = rf"[Hh][Tt][Tt][Pp][Ss]?://{_URL_HOST}(?::{_PORT})?(?:{_URL_REST})?"
WEB_URL_FORM = (
    "an http:// or https:// URL with a host name or IP address, such as "
    "https://switch01.example.com/ or http://10.20.0.5:8080/status (no spaces: write "
    "%20; no user name or password)"
)


class WebUrl(CanonicalText):
    """An address on the web: http or https, with a host. `javascript:`,
    `data:`, `file:`, relative paths and credentials in the URL are refused:
    the web UI renders it as a link. Stored as given (trimmed)."""

    description = f"Web address: {WEB_URL_FORM}"
    pattern = rf"^\s*{WEB_URL}\s*$"
    default_error_messages = {"invalid_url": f"Not a web address; give {WEB_URL_FORM}."}
    matcher = re.compile(WEB_URL)

    def canonical(self, text: str) -> str:
        if not self.matcher.fullmatch(text):
            raise self.make_error("invalid_url")
        return text

    def sample(self, number: int) -> str:
        return f"https://host{number}.example.com/"


class ImageUrl(WebUrl):
    """An image on the web (a `WebUrl`) or a stored upload (an `UploadPath`):
    the web UI renders it as an image address. `folders` narrows the stored
    uploads to those folders, as for `UploadPath`."""

    description = f"Image: {WEB_URL_FORM}, or {UPLOAD_FORM}"
    pattern = rf"^\s*(?:{WEB_URL}|{UPLOAD_PATH.pattern})\s*$"
    default_error_messages = {
        "invalid_url": f"Not an image address; give {WEB_URL_FORM}, or {UPLOAD_FORM}."
    }
    folders: tuple[str, ...] = ()

    def __init__(self, folders: Sequence[str] = (), **kwargs: Any) -> None:
        narrow_to_folders(self, folders, kwargs, "invalid_url")
        super().__init__(**kwargs)

    def narrowed(self, form: str, pattern: str) -> tuple[str, str, str]:
        return (
            f"Image: {WEB_URL_FORM}, or {form}",
            rf"^\s*(?:{WEB_URL}|{pattern})\s*$",
            f"Not an image address; give {WEB_URL_FORM}, or {form}.",
        )

    def canonical(self, text: str) -> str:
        return text if in_folders(text, self.folders) else super().canonical(text)

    def sample(self, number: int) -> str:
        return f"https://images.example.com/{number}.png"
