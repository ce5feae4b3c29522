"""The search index (ADR 0015): the terms a value is found by, the entries
the write path keeps (create, change, delete, batches, imports), a rebuild
that gives the same rows, and the searches that read it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from shopdb.database import get_database, get_session
from shopdb.models import SearchEntry
from shopdb.models.searchindex import TERM_LENGTH
from shopdb.resources.registry import RESOURCES_KEY
from shopdb.resources.searchindex import MAXIMUM_TERMS, fold, successor, terms
from shopdb.services.actor import command_actor
from shopdb.services.unitofwork import unit_of_work
from shopdb.testing.databases import count_queries
from tests.bundled.computers.conftest import hostname, mac
from tests.bundled.support import PluginSite, installed_site
from tests.collectors.conftest import run

NUMBERS = itertools.count(1)


# Terms -------------------------------------------------------------------------------


def test_fold_lowers_and_collapses_spaces():
    assert fold("  Bench  PC\t7 ") == "bench pc 7"
    assert fold(42) == "42"


def test_terms_are_the_whole_value_then_each_later_word():
    assert terms("Shop-PC-01234") == [
        ("shop-pc-01234", True),
        ("pc-01234", False),
        ("01234", False),
        ("1234", False),  # the significant digits of a number with leading zeros
    ]
    # Digits after letters start a word; a MAC is found by its last octets.
    assert ("0042", False) in terms("SN0042") and ("42", False) in terms("SN0042")
    assert ("0f:a2", False) in terms("02:5d:00:00:0f:a2")
    assert terms("10.1.2.3") == [
        ("10.1.2.3", True),
        ("1.2.3", False),
        ("2.3", False),
        ("3", False),
    ]
    assert terms("") == [] and terms("   ") == []
    assert terms("000") == [("000", True)]


def test_terms_are_bounded():
    long = " ".join(f"word{number}" for number in range(500))
    found = terms(long)
    assert len(found) == MAXIMUM_TERMS
    assert all(len(term) <= TERM_LENGTH and term == term.rstrip() for term, _ in found)
    assert found[0] == (long[:TERM_LENGTH].rstrip(), True)


def test_successor_bounds_a_prefix_range():
    assert successor("pc-") == "pc."
    for text in ("pc-", "pc-0", "pc-zzz", "pc-\uffff"):
        assert "pc-" <= text < successor("pc-")
    assert successor("pc-") <= "pc."


# The write path keeps it ---------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginSite]:
    with installed_site("computers", tmp_path_factory) as installed:
        yield installed


def entries(site: PluginSite, recordid: int | None = None) -> set[tuple]:
    """The index rows (without their own key), of one record or all."""
    with site.app.app_context():
        query = select(
            SearchEntry.resource,
            SearchEntry.recordid,
            SearchEntry.field,
            SearchEntry.term,
            SearchEntry.iswhole,
            SearchEntry.weight,
            SearchEntry.isidentity,
        )
        if recordid is not None:
            query = query.where(SearchEntry.recordid == recordid)
        return {tuple(row) for row in get_session().execute(query)}


def whole(found: set[tuple], resource: str, field: str) -> set[str]:
    return {row[3] for row in found if row[0] == resource and row[2] == field and row[4]}


def computer(site: PluginSite, **extra) -> dict:
    body = {
        "hostname": hostname(),
        "assetnumber": f"IDX-{next(NUMBERS):06d}",
        "interfaces": [
            {"name": "eth0", "macaddress": mac(), "ipaddress": f"10.77.0.{next(NUMBERS) % 250}"}
        ],
        **extra,
    }
    response = site.editor.post("/api/computers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


@pytest.mark.database
def test_create_update_and_delete_keep_the_entries(site):
    pc = computer(site, name="Lathe cell PC")
    found = entries(site, pc["assetid"])
    assert whole(found, "computers", "hostname") == {pc["hostname"]}
    assert whole(found, "computers", "interfaces.macaddress") == {pc["interfaces"][0]["macaddress"]}
    # The asset's row is an `assets` record too: its entries are written
    # once, under its class, with the core fields the class does not search.
    assert {row[0] for row in found} == {"computers"}
    assert whole(found, "computers", "assetnumber") == {pc["assetnumber"].lower()}
    identity = {row[2]: row[6] for row in found if row[0] == "computers"}
    assert identity["hostname"] and identity["assetnumber"] and not identity["name"]
    assert len({(row[2], row[3]) for row in found}) == len(found)  # no field twice
    response = site.editor.patch(f"/api/assets/{pc['assetid']}", json={"notes": "Spare Qx7 board"})
    assert response.status_code == 200
    assert whole(entries(site, pc["assetid"]), "computers", "notes") == {"spare qx7 board"}
    for path, q in (("/api/assets", "qx7"), ("/api/assets", pc["assetnumber"])):
        listed = site.editor.get(path, query_string={"q": q}).get_json()["data"]
        assert [item["assetid"] for item in listed] == [pc["assetid"]]
    # The computers list does not search notes.
    assert site.editor.get("/api/computers", query_string={"q": "qx7"}).get_json()["data"] == []

    renamed = hostname()
    response = site.editor.patch(f"/api/computers/{pc['assetid']}", json={"hostname": renamed})
    assert response.status_code == 200
    assert whole(entries(site, pc["assetid"]), "computers", "hostname") == {renamed.lower()}

    # A change through the core assets list reaches the computers entries.
    response = site.editor.patch(f"/api/assets/{pc['assetid']}", json={"name": "Grinder PC"})
    assert response.status_code == 200
    found = entries(site, pc["assetid"])
    assert whole(found, "computers", "name") == {"grinder pc"}

    # Retired: still found (the list shows retired assets); deleted: gone.
    assert site.editor.delete(f"/api/computers/{pc['assetid']}").status_code in (200, 204)
    assert whole(entries(site, pc["assetid"]), "computers", "hostname") == {renamed.lower()}
    response = site.admin.delete(f"/api/computers/{pc['assetid']}?permanent=true")
    assert response.status_code in (200, 204), response.get_json()
    assert entries(site, pc["assetid"]) == set()


@pytest.mark.database
def test_an_unchanged_save_writes_no_entries_and_a_batch_writes_them_at_once(site):
    resources = site.app.extensions[RESOURCES_KEY]
    computers = resources["computers"]
    engine = get_database(site.app).engine

    def written(count: int) -> list[str]:
        bodies = [
            {"hostname": hostname(), "interfaces": [{"name": "eth0", "macaddress": mac()}]}
            for _ in range(count)
        ]
        with site.app.app_context(), count_queries(engine) as counted:
            session = get_session()
            with unit_of_work(session, command_actor("test")):
                results = computers.save_many(session, [(body, None) for body in bodies])
        assert all(result.action == "created" for result in results)
        return [
            statement
            for statement in counted.statements
            if "searchentries" in statement and "SAVEPOINT" not in statement
        ]

    one, many = written(1), written(20)
    assert len(one) == len(many)
    assert sum(statement.lstrip().upper().startswith("DELETE") for statement in many) == 1
    assert sum(statement.lstrip().upper().startswith("INSERT") for statement in many) == 1

    pc = computer(site)
    with site.app.app_context(), count_queries(engine) as counted:
        session = get_session()
        with unit_of_work(session, command_actor("test")):
            record = computers.get_row(session, pc["assetid"])
            assert computers.save(session, {"hostname": pc["hostname"]}, record).action == "noop"
    assert not [s for s in counted.statements if "searchentries" in s]


@pytest.mark.database
def test_a_change_of_no_searched_field_writes_no_entries(site):
    """A collector's push that moves the memory size or the last seen time
    leaves the entries alone; a change of a nested searched field (a MAC)
    replaces them."""
    pc = computer(site)
    before = entries(site, pc["assetid"])
    engine = get_database(site.app).engine
    with site.app.app_context(), count_queries(engine) as counted:
        response = site.editor.patch(f"/api/computers/{pc['assetid']}", json={"memorymb": 8192})
    assert response.status_code == 200, response.get_json()
    assert not [s for s in counted.statements if "searchentries" in s]
    assert entries(site, pc["assetid"]) == before

    moved = mac()
    interfaces = [{"name": "eth0", "macaddress": moved}]
    response = site.editor.patch(f"/api/computers/{pc['assetid']}", json={"interfaces": interfaces})
    assert response.status_code == 200, response.get_json()
    assert whole(entries(site, pc["assetid"]), "computers", "interfaces.macaddress") == {moved}


@pytest.mark.database
def test_an_import_is_indexed_and_a_rebuild_gives_the_same_rows(site, tmp_path: Path):
    rows = [(hostname("IMP"), mac(), f"10.88.{n}.{n}") for n in range(1, 31)]
    csv = tmp_path / "computers.csv"
    csv.write_text(
        "hostname,interfaces.name,macaddress,ipaddress\n"
        + "".join(f"{h},eth0,{m},{ip}\n" for h, m, ip in rows)
    )
    run(site.app, "import", "computers", str(csv))
    found = entries(site)
    indexed = {row[3] for row in found if row[0] == "computers" and row[2] == "hostname"}
    assert {h.lower() for h, _, _ in rows} <= indexed
    computer(site, name="Rebuild check")  # and one through the API

    before = entries(site)
    output = run(site.app, "search", "rebuild").output
    assert "Search index rebuilt" in output
    assert entries(site) == before

    # The rows written below the write path are found after a rebuild only.
    with site.app.app_context():
        session = get_session()
        session.execute(delete(SearchEntry))
        session.commit()
    assert entries(site) == set()
    q = rows[0][0]
    reply = site.editor.get("/api/computers", query_string={"q": q}).get_json()
    assert reply["data"] == []
    run(site.app, "search", "rebuild", "computers", "assets")
    assert entries(site) == before
    reply = site.editor.get("/api/computers", query_string={"q": q}).get_json()
    assert [item["hostname"] for item in reply["data"]] == [q.lower()]


# Searches read it -------------------------------------------------------------------------


def listed(site: PluginSite, q: str, resource: str = "computers") -> list[int]:
    response = site.editor.get(f"/api/{resource}", query_string={"q": q, "perpage": 500})
    assert response.status_code == 200, response.get_json()
    return [item["assetid"] for item in response.get_json()["data"]]


@pytest.mark.database
def test_values_are_found_the_way_they_are_written(site):
    pc = computer(site, name="Deburr station 7", serialnumber="SN000915")
    itemid = pc["assetid"]
    address = pc["interfaces"][0]["macaddress"]
    spellings = (
        pc["hostname"].upper(),  # case
        address.replace(":", "-").upper(),  # a MAC in another spelling
        address.replace(":", ""),
        address[-5:],  # its last octets
        pc["interfaces"][0]["ipaddress"],
        "station 7",  # words inside the name
        "deb",  # a prefix
        "915",  # a serial's number without its zeros
        pc["assetnumber"].lower(),
    )
    for q in spellings:
        assert itemid in listed(site, q), q
    assert itemid not in listed(site, "urr")  # inside a word: not a match
    # The domain of a host name is dropped, as its field does.
    groups = site.editor.get(
        "/api/search", query_string={"q": pc["hostname"] + ".plant.example"}
    ).get_json()["data"]
    top = groups[0]["results"][0]
    assert (groups[0]["resource"], top["id"], top["match"]) == ("computers", itemid, "exact")


@pytest.mark.database
def test_list_ranks_by_weight_and_statements_stay_constant(site):
    tag = f"zq{next(NUMBERS)}x"
    named = computer(site, name=f"{tag} bench")  # name: weight 5
    hosted = computer(site, hostname=f"{tag}-host")  # hostname: weight 10
    assert listed(site, tag)[:2] == [hosted["assetid"], named["assetid"]]
    engine = get_database(site.app).engine
    counts = set()
    # (An empty page skips loading the interfaces: the list's q has matches.)
    for path, queries in (
        ("/api/computers", (tag, "10.77", "pc-", "idx-")),
        ("/api/search", (tag, "zzzz-nothing", "10.77", "pc-")),
    ):
        for q in queries:
            with count_queries(engine) as counted:
                reply = site.editor.get(path, query_string={"q": q})
                assert reply.status_code == 200 and (reply.get_json()["data"] or "zz" in q)
            counts.add((path, counted.count))
    assert len(counts) == 2, counts
    assert dict(counts)["/api/search"] <= 3  # the caller, a setting, the one search


@pytest.mark.database
def test_a_broad_query_is_listed_in_the_default_order(site, monkeypatch):
    from shopdb.resources import searchindex

    tag = f"zb{next(NUMBERS)}x"
    first = computer(site, name=f"{tag} bench", hostname=f"a{tag}")
    second = computer(site, hostname=f"{tag}-host")
    assert listed(site, tag)[:2] == [second["assetid"], first["assetid"]]  # by weight
    monkeypatch.setattr(searchindex, "BROAD", 1)
    reply = site.editor.get("/api/computers", query_string={"q": tag, "perpage": 1}).get_json()
    assert [item["hostname"] for item in reply["data"]] == [f"a{tag}"]  # by hostname
    after = site.editor.get(
        "/api/computers", query_string={"q": tag, "perpage": 1, "cursor": reply["meta"]["next"]}
    ).get_json()
    assert [item["assetid"] for item in after["data"]] == [second["assetid"]]


@pytest.mark.database
def test_a_dense_query_is_read_record_by_record_in_the_list_order(site, monkeypatch):
    """A query matching most records is an EXISTS per record (the list's
    order walked, not every match sorted): the same records and total."""
    from shopdb.resources import searchindex

    tag = f"zd{next(NUMBERS)}x"
    made = [computer(site, hostname=f"{tag}-{n}") for n in range(3)]
    other = computer(site)
    by_entries = site.editor.get("/api/computers", query_string={"q": tag, "sort": "hostname"})
    monkeypatch.setattr(searchindex, "BROAD", 1)
    monkeypatch.setattr(searchindex, "DENSE", 1)
    engine = get_database(site.app).engine
    with count_queries(engine) as counted:
        dense = site.editor.get("/api/computers", query_string={"q": tag, "sort": "hostname"})
    assert any("EXISTS" in statement for statement in counted.statements)
    ids = [item["assetid"] for item in dense.get_json()["data"]]
    assert ids == [pc["assetid"] for pc in made] and other["assetid"] not in ids
    assert ids == [item["assetid"] for item in by_entries.get_json()["data"]]
    assert dense.get_json()["meta"]["pagination"]["total"] == 3
