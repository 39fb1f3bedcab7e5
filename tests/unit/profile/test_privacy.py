"""Personal data is recognised from values, look-alikes are not, and masked values never leave."""

from __future__ import annotations

import ipaddress
import json
import random

import pandas as pd
import pytest

from mlwright.profile import profile_table
from mlwright.profile.privacy import is_card_number

ROWS = 600
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken", "Radia",
         "Tim", "Katherine", "Dennis", "Hedy", "Claude", "Sophie", "Niklaus", "Leslie", "Shafi"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton", "Thompson",
        "Perlman", "Berners", "Johnson", "Ritchie", "Lamarr", "Shannon", "Wilson", "Wirth", "Lamport", "Goldwasser"]
CITIES = ["London", "Paris", "New York", "San Francisco", "Berlin", "Madrid", "Rome", "Lisbon", "Oslo", "Vienna"]


def _luhn_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def _card(rng: random.Random, valid: bool) -> str:
    body = "4" + "".join(str(rng.randrange(10)) for _ in range(14))
    check = _luhn_digit(body)
    if not valid:
        check = str((int(check) + 1 + rng.randrange(9)) % 10)
    number = body + check
    return " ".join(number[i:i + 4] for i in range(0, 16, 4))


def _phone(rng: random.Random) -> str:
    digits = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    if rng.random() < 0.5:
        return f"+44 20 {digits(4)} {digits(4)}"
    return f"({rng.randrange(200, 999)}) {digits(3)}-{digits(4)}"


def _ssn(rng: random.Random) -> str:
    return f"{rng.randrange(1, 665):03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return str(ipaddress.IPv4Address(rng.getrandbits(32)))
    return str(ipaddress.IPv6Address(rng.getrandbits(128)))


def personal_table(seed: int = 0) -> pd.DataFrame:
    rng = random.Random(seed)
    names = [(rng.choice(FIRST), rng.choice(LAST)) for _ in range(ROWS)]
    return pd.DataFrame({
        "order_id": [f"ORD-{100000 + i}" for i in range(ROWS)],
        "email": [f"{first.lower()}.{last.lower()}{rng.randrange(100)}@example.{rng.choice(['com', 'org', 'co.uk'])}"
                  for first, last in names],
        "phone": [_phone(rng) for _ in range(ROWS)],
        "card": [_card(rng, valid=True) for _ in range(ROWS)],
        "voucher": [_card(rng, valid=False) for _ in range(ROWS)],  # card-shaped, fails the Luhn check
        "ssn": [_ssn(rng) for _ in range(ROWS)],
        "ip": [_ip(rng) for _ in range(ROWS)],
        "customer_name": [f"{first} {last}" for first, last in names],
        "position": [f"{rng.uniform(-60, 70):.5f}, {rng.uniform(-179, 179):.5f}" for _ in range(ROWS)],
        "price": [round(rng.uniform(1, 500), 2) for _ in range(ROWS)],
        "ordered": [f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}" for _ in range(ROWS)],
        "city": [rng.choice(CITIES) for _ in range(ROWS)],
        "product": [f"SKU-{rng.randrange(10000, 99999)}-{rng.choice('ABC')}" for _ in range(ROWS)],
        "quantity": [rng.randrange(1, 10) for _ in range(ROWS)],
    })


EXPECTED = {"email": "pii_email", "phone": "pii_phone", "card": "pii_credit_card", "ssn": "pii_national_id",
            "ip": "pii_ip_address", "customer_name": "pii_person_name", "position": "pii_geolocation"}
ORDINARY = ["order_id", "voucher", "price", "ordered", "city", "product", "quantity"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return personal_table()


@pytest.fixture(scope="module")
def written(table, tmp_path_factory):
    """The table as a CSV file, profiled, with its HTML page and JSON."""
    folder = tmp_path_factory.mktemp("privacy")
    table.to_csv(folder / "customers.csv", index=False)
    profile = profile_table(folder / "customers.csv")
    return profile, profile.write_html(folder / "profile.html"), profile.write_json(folder / "profile.json")


def test_generated_look_alikes_are_what_they_claim(table):
    assert all(is_card_number(v) for v in table["card"])
    assert not any(is_card_number(v) for v in table["voucher"])


def test_each_kind_of_personal_data_is_found(written):
    profile, _, _ = written
    found = {f.column: f.kind for f in profile.findings if f.kind.startswith("pii_")}
    assert found == EXPECTED


@pytest.mark.parametrize("column", ORDINARY)
def test_ordinary_columns_are_not_personal(written, column):
    profile, _, _ = written
    assert column not in profile.pii_columns()


def test_cards_and_national_ids_are_critical(written):
    profile, _, _ = written
    severity = {f.column: f.severity for f in profile.findings if f.kind.startswith("pii_")}
    assert severity["card"] == severity["ssn"] == "critical"
    assert severity["email"] == "warning"


def test_evidence_speaks_in_shares_not_values(written, table):
    profile, _, _ = written
    for finding in profile.findings:
        if finding.kind.startswith("pii_"):
            assert "%" in finding.evidence
            assert not any(value in finding.evidence for value in table[finding.column].head(50))


@pytest.mark.parametrize("column", list(EXPECTED))
def test_masked_values_appear_in_neither_page_nor_json(written, table, column):
    profile, html, json_path = written
    page, data = html.read_text(encoding="utf-8"), json_path.read_text(encoding="utf-8")
    for value in table[column].sample(25, random_state=1):
        assert value not in page and value not in data, f"{column} value {value!r} leaked"
    described = next(c for c in json.loads(data)["columns"] if c["name"] == column)
    assert described["masked"] == EXPECTED[column]
    assert described["top"] == [] and described["stats"] == {} and described["histogram"] == {}


def test_unmasked_columns_still_show_their_values(written):
    profile, html, _ = written
    city = next(c for c in profile.columns if c.name == "city")
    assert city.top and not city.masked
    assert city.top[0][0] in html.read_text(encoding="utf-8"), "ordinary categories keep their top values"


def test_numeric_latitude_longitude_columns_are_found_as_a_pair():
    rng = random.Random(3)
    frame = pd.DataFrame({"pickup_lat": [rng.uniform(40.5, 40.9) for _ in range(300)],
                          "pickup_lon": [rng.uniform(-74.1, -73.7) for _ in range(300)],
                          "fare": [round(rng.uniform(3, 60), 2) for _ in range(300)]})
    profile = profile_table(frame)
    assert [f.column for f in profile.findings if f.kind == "pii_geolocation"] == [("pickup_lat", "pickup_lon")]


def test_addresses_and_numbers_inside_free_text_are_masked_not_the_words_around_them():
    from mlwright.profile.privacy import EMAIL_WORD, PHONE_WORD, mask_personal_text

    masked = mask_personal_text("Write to jo.doe@example.com or call +44 20 7946 0958, or (555) 123-4567.")
    assert "example" not in masked and "7946" not in masked and "555" not in masked
    assert masked.split().count(EMAIL_WORD) == 1 and masked.split().count(PHONE_WORD) == 2
    assert masked.startswith("Write to") and masked.rstrip().endswith(".")
    ordinary = "On 2019-05-01 it cost 3.14159 per unit, order 123456789012."
    assert mask_personal_text(ordinary) == ordinary


def test_a_text_column_holding_contacts_is_found_and_kept(tmp_path):
    rng = random.Random(0)
    words = ["bill", "plan", "phone", "router", "refund", "upgrade", "outage", "contract"]
    notes = [f"customer asked about the {rng.choice(words)} and the {rng.choice(words)} after the {rng.choice(words)}"
             for _ in range(200)]
    for i in range(0, 200, 20):
        notes[i] += f" reach me at user{i}@mail.example.org"
    frame = pd.DataFrame({"note": notes, "plan": [rng.choice("ab") for _ in range(200)]})
    profile = profile_table(frame, sample_rows=200)
    found = [f for f in profile.findings if f.kind == "personal_data_in_text"]
    assert [f.columns for f in found] == [("note",)] and "10 of 200 sampled texts" in found[0].evidence
    assert "note" not in profile.pii_columns()  # kept for training: its words are what it is for
    assert "mail.example.org" not in json.dumps([f.to_dict() for f in profile.findings])
