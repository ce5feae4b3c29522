"""IP addresses, MAC addresses, host names, stored files and web addresses:
the forms accepted, the one form stored, a message that says what is accepted
for anything else, and a document pattern that takes exactly the same."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies
from marshmallow import Schema, ValidationError

from shopdb.api import Hostname, HostOrAddress, IpAddress, MacAddress, WebUrl
from shopdb.resources.fieldtypes import ImageUrl, UploadPath, Username


class Inputs(Schema):
    ipaddress = IpAddress(allow_none=True)
    macaddress = MacAddress()
    hostname = Hostname()


def loaded(name: str, value: object) -> object:
    return Inputs().load({name: value}, partial=True)[name]


def refused(name: str, value: object) -> str:
    with pytest.raises(ValidationError) as raised:
        Inputs().load({name: value}, partial=True)
    (message,) = raised.value.messages[name]
    return message


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("10.0.0.5", "10.0.0.5"),
        (" 192.168.1.20 ", "192.168.1.20"),
        ("FD00:0000:0000:0000:0000:0000:0000:0005", "fd00::5"),
        ("fd00:0:0::5", "fd00::5"),
        ("::1", "::1"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("::FFFF:a00:1", "::ffff:10.0.0.1"),
    ],
)
def test_an_ip_address_is_stored_compressed(sent, stored):
    assert loaded("ipaddress", sent) == stored


@pytest.mark.parametrize(
    "sent", ["300.1.1.1", "10.0.0", "010.0.0.1", "fd00::5::1", "10.0.0.5/24", "host", "", 5]
)
def test_a_malformed_ip_address_is_refused(sent):
    message = refused("ipaddress", sent)
    assert message.startswith("Not") and ("IP address" in message or "string" in message)


def test_a_null_ip_address_stays_null_where_allowed():
    assert loaded("ipaddress", None) is None


@pytest.mark.parametrize(
    "sent",
    [
        "aa:bb:cc:dd:ee:ff",
        "AA:BB:CC:DD:EE:FF",
        "AA-BB-CC-DD-EE-FF",
        "aa-bb-cc-dd-ee-ff",
        "aabb.ccdd.eeff",
        "AABB.CCDD.EEFF",
        "AA.BB.CC.DD.EE.FF",
        "aabb-ccdd-eeff",
        "aabbccddeeff",
        " AABBCCDDEEFF ",
    ],
)
def test_a_mac_address_is_stored_lower_case_with_colons(sent):
    assert loaded("macaddress", sent) == "aa:bb:cc:dd:ee:ff"


@pytest.mark.parametrize(
    "sent",
    [
        "aa:bb:cc:dd:ee",
        "aa:bb:cc:dd:ee:ff:00",
        "aa:bb-cc:dd:ee:ff",
        "aabb.ccdd-eeff",
        "aa:bb:cc:dd:ee:gg",
        "aabb.ccdd.ee",
        "aabbccddeef",
        "a:b:c:d:e:f",
        "aa bb cc dd ee ff",
        "",
    ],
)
def test_a_malformed_mac_address_names_the_accepted_forms(sent):
    assert refused("macaddress", sent) == (
        "Not a MAC address; write it as aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, "
        "aa.bb.cc.dd.ee.ff, aabb.ccdd.eeff, aabb-ccdd-eeff or aabbccddeeff."
    )


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("pc-0042", "pc-0042"),
        (" CNC-7.Shop.Example.COM ", "cnc-7.shop.example.com"),
        ("host.example.com.", "host.example.com"),
        ("3com-sw1.10.example", "3com-sw1.10.example"),  # digits anywhere but last
        ("a" * 63, "a" * 63),
        (".".join(["a" * 63] * 3) + "." + "b" * 61, ".".join(["a" * 63] * 3) + "." + "b" * 61),
    ],
)
def test_a_hostname_is_stored_lower_case(sent, stored):
    assert loaded("hostname", sent) == stored


@pytest.mark.parametrize(
    "sent",
    [
        "-pc",
        "pc-",
        "pc_42",
        "pc 42",
        "a" * 64,
        "host..example",
        ".example",
        "",
        "caf\u00e9",
        ".".join(["a" * 63] * 4),
    ],
)
def test_a_malformed_hostname_is_refused(sent):
    assert refused("hostname", sent).startswith("Not a host name; use dot-separated labels")


@pytest.mark.parametrize("sent", ["10.1.2.3", "10.0.0.300", "1234", "host.42"])
def test_a_hostname_that_reads_as_an_address_is_refused(sent):
    """RFC 1123: a host name's last label is never all digits."""
    assert refused("hostname", sent).startswith("Not a host name: its last label is all digits")


def test_samples_are_valid_and_differ_per_number():
    for field in (IpAddress(), MacAddress(), Hostname()):
        first, second = field.sample(1), field.sample(2)
        assert first != second
        assert field.deserialize(first) == first


# The document's patterns ---------------------------------------------------------
# A client generated from /api/openapi.json follows each field type's pattern:
# what the pattern takes the server must take, and what the server takes the
# pattern must allow (else generated negative tests expect a refusal in vain).

PATTERNED = {
    "ipaddress": IpAddress(),
    "hostoraddress": HostOrAddress(),
    "weburl": WebUrl(),
    "imageurl": ImageUrl(),
    "macaddress": MacAddress(),
    "uploadpath": UploadPath(),
    "username": Username(),
}
# Text a server would see: the pieces of addresses and URLs, and some noise.
PIECES = strategies.sampled_from(
    [
        *"0123456789abcdefABCDEF:.-/[]%@?#_ ",
        "::",
        "ffff",
        "10.0.0.1",
        "http://",
        "https://",
        "HTTP://",
        "host",
        ":8080",
        ":65536",
        ":0",
        "1.2.3.4",
        "fe80::1",
        "\t",
        "\u00e9",
        "\x00",
    ]
)


def accepts(field, text: str) -> bool:
    try:
        field.deserialize(text)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(PATTERNED))
def test_what_the_pattern_allows_the_server_takes(name):
    field = PATTERNED[name]
    pattern = field.metadata["pattern"]

    @given(strategies.from_regex(pattern))
    @settings(max_examples=150, derandomize=True, database=None, deadline=None)
    def check(text):
        assert accepts(field, text), text

    check()


@pytest.mark.parametrize("name", sorted(PATTERNED))
def test_what_the_server_takes_the_pattern_allows(name):
    field = PATTERNED[name]
    pattern = re.compile(field.metadata["pattern"])

    @given(strategies.lists(PIECES, max_size=12).map("".join))
    @settings(max_examples=300, derandomize=True, database=None, deadline=None)
    def check(text):
        assert accepts(field, text) == bool(pattern.search(text)), text

    check()


@pytest.mark.parametrize(
    ("sent", "taken"),
    [
        ("1:2:3:4:5:6:7:8", True),
        ("1:2:3:4:5:6:7::", True),
        ("::1:2:3:4:5:6:7", True),
        ("1::2:3:4:5:6:7:8", False),
        ("::ffff:10.0.0.1", True),
        ("1:2:3:4:5:6:10.0.0.1", True),
        ("1:2:3:4:5:6::10.0.0.1", False),
        ("fe80::1%eth0", False),
        (":::", False),
        ("12345::", False),
    ],
)
def test_ipv6_in_the_document_and_on_the_server(sent, taken):
    field = IpAddress()
    assert accepts(field, sent) is taken
    assert bool(re.search(field.metadata["pattern"], sent)) is taken


@pytest.mark.parametrize(
    "url",
    [
        "http://switch01",
        "https://10.20.0.5/",
        "HTTPS://Switch01.Plant1.Example.com:8443/status?x=1#top",
        "http://[fd00::5]:8080/",
        "http://agent.plant1.local:5000/current",
        "https://docs.vendor.example/a%20b",
    ],
)
def test_a_web_url_is_taken_as_given(url):
    assert WebUrl().deserialize(f" {url} ") == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://10.0.0.1/",
        "file:///etc/passwd",
        "data:text/html,x",
        "10.0.0.1",
        "https://",
        "http://:80/",
        "http://user:secret@switch01/",
        "http://switch01:70000/",
        "http://switch01:0/",
        "http://10.0.0.300/",
        "http://host/a b",
        "http://[fe80::1%eth0]/",
        "",
    ],
)
def test_anything_else_is_not_a_web_url(url):
    with pytest.raises(ValidationError) as refused:
        WebUrl().deserialize(url)
    assert "Not a web address; give an http:// or https:// URL" in str(refused.value)


def test_an_image_is_a_web_url_or_a_stored_file():
    assert ImageUrl().deserialize("models/dmu.png") == "models/dmu.png"
    assert ImageUrl().deserialize("https://images.example.com/1.png")
    with pytest.raises(ValidationError, match="Not an image address"):
        ImageUrl().deserialize("javascript:alert(1)")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("10.20.1.7", "10.20.1.7"), ("FD00::0005", "fd00::5"), ("CNC-7.plant1", "cnc-7.plant1")],
)
def test_a_host_or_address_takes_either(sent, stored):
    assert HostOrAddress().deserialize(sent) == stored
