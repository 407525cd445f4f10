"""One coherent city: valid identifiers, resolvable codes, and the same people across departments."""

from collections import defaultdict
from pathlib import Path

from dagster_project.lib.contract import load_contract
from dagster_project.lib.identifiers import check_resident_id, check_uscc
from sources.generator.window import period_end
from tests.sources.extracts import extract, extract_files, read

QUARTERS = ("2025-03", "2025-06", "2025-09", "2025-12")


def _residents(inbox: Path, period: str) -> dict[str, str]:
    """ID -> community code of the period's resident register."""
    return {r["id_number"]: r["community_code"] for r in read(extract(inbox, "ps_resident", period))}


def test_every_id_and_credit_code_is_valid(inbox: Path) -> None:
    for name, table in load_contract().tables.items():
        ids = [c.name for c in table.columns if c.is_resident_id]
        codes = [c.name for c in table.columns if c.type == "uscc"]
        for path in extract_files(inbox, name):
            as_at = period_end(path.parent.name)
            for row in read(path):
                for column in ids:
                    result = check_resident_id(row[column], as_at)
                    assert result.reason is None and result.warnings == (), (path, row[column])
                for column in codes:
                    if row[column]:
                        result = check_uscc(row[column])
                        assert result.reason is None and result.warnings == (), (path, row[column])


def test_every_code_resolves_in_that_months_divisions(inbox: Path) -> None:
    for name, table in load_contract().tables.items():
        coded = [c for c in table.columns if c.references == "ca_division"]
        if name == "ca_division":
            continue  # its own parent codes: see test_division_hierarchy
        for path in extract_files(inbox, name):
            divisions = read(extract(inbox, "ca_division", path.parent.name))
            communities = {d["division_code"] for d in divisions if d["level"] == "社区"}
            districts = {d["division_code"][:6] for d in divisions if d["level"] == "区"}
            for row in read(path):
                for column in coded:
                    known = districts if column.type == "district" else communities
                    parts = str(row[column.name]).split(column.multi) if column.multi else [row[column.name]]
                    assert set(parts) <= known, (path, column.name, row[column.name])


def test_workers_are_residents_of_their_community_enrolled_by_its_committee(inbox: Path) -> None:
    for period in QUARTERS:
        residents = _residents(inbox, period)
        workers = read(extract(inbox, "ca_worker", period))
        assert workers
        for w in workers:
            assert residents[w["id_number"]] == w["community_code"]
        employer: dict[str, set[str]] = defaultdict(set)
        insured = defaultdict(set)
        for e in read(extract(inbox, "ss_insurance", period)):
            insured[e["id_number"]].add(e["insurance_type"])
            if e["id_number"] in residents:
                employer[e["id_number"]].add(e["employer_uscc"])
        committees: dict[str, set[str]] = defaultdict(set)
        for w in workers:
            assert "职工医疗" in insured[w["id_number"]]
            [uscc] = employer[w["id_number"]] - {""}
            committees[w["community_code"]].add(uscc)
        for community, codes in committees.items():
            [uscc] = codes  # one committee per community employs all its workers
            assert uscc.startswith("59")  # registered by civil affairs (5), other (9)
        worker_ids = {w["id_number"] for w in workers}
        employed_by_committee = {i for i, codes in employer.items()
                                 if codes & {c for s in committees.values() for c in s}}
        # Only workers, and former workers still on the register, are enrolled by a committee.
        assert worker_ids <= employed_by_committee
        former = employed_by_committee - worker_ids
        assert len(former) <= 0.3 * len(worker_ids)


def test_everyone_named_by_other_departments_is_a_resident(inbox: Path) -> None:
    for period in QUARTERS:
        residents = _residents(inbox, period)
        for table, column in (("ca_assistance", "head_id_number"), ("ps_released_person", "id_number")):
            for row in read(extract(inbox, table, period)):
                assert residents[row[column]] == row["community_code"], (table, row[column])
        enrolled = {r["id_number"] for r in read(extract(inbox, "ss_insurance", period))}
        assert len(enrolled - set(residents)) <= 0.05 * len(enrolled)
    registered = [r for p in extract_files(inbox, "ss_unemployment") for r in read(p)]
    everyone = set().union(*(_residents(inbox, q) for q in QUARTERS))
    assert registered and all(r["id_number"] in everyone for r in registered)


def test_social_organisations_registered_or_filed(inbox: Path) -> None:
    rows = read(extract(inbox, "ca_social_org", "2025-12"))
    kinds = {r["registration_kind"] for r in rows}
    assert kinds == {"登记", "备案"}
    for r in rows:
        if r["registration_kind"] == "登记":
            assert r["uscc"][0] == "5" and r["filing_no"] is None
        else:
            assert r["uscc"] is None and r["filing_no"]
    assert len({r["uscc"] or r["filing_no"] for r in rows}) == len(rows)


def test_police_rooms_serve_every_community_once(inbox: Path) -> None:
    communities = {d["division_code"] for d in read(extract(inbox, "ca_division", "2025-06"))
                   if d["level"] == "社区"}
    served = [code for r in read(extract(inbox, "ps_police_room", "2025-06"))
              for code in r["community_code"].split(";")]
    assert sorted(served) == sorted(communities)


def test_events_are_monthly_with_resent_status_changes(inbox: Path) -> None:
    resent = 0
    for table, date_column, key in (("ps_dispute", "accepted_date", "dispute_no"),
                                    ("ss_unemployment", "registered_date", "registration_no")):
        seen: dict[str, dict] = {}
        for path in extract_files(inbox, table):
            for row in read(path):
                if row[key] in seen:
                    resent += 1
                    assert row != seen[row[key]]  # only a changed status is sent again
                seen[row[key]] = row
    assert resent > 0
