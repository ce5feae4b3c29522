"""IP addresses, MAC addresses and host names: the forms accepted, the one form
stored, and a message that says what is accepted for anything else."""

from __future__ import annotations

import pytest
from marshmallow import Schema, ValidationError

from shopdb.api import Hostname, IpAddress, MacAddress


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
