"""Columns that hold personal data, recognised from their values (names only break ties).

Each detector looks at up to ``SAMPLE_VALUES`` non-missing values of a column, read as written in
the file (before cleaning, so that 16-digit numbers keep every digit), and a column is flagged
when at least ``MATCH_SHARE`` of them match. Strict patterns and checksums (Luhn for card
numbers, mod-97 for IBANs) keep look-alikes out: order numbers, version strings, dates.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlwright.data.cleaning import clean_text
from mlwright.profile.findings import CRITICAL, WARNING, Finding, percent

SAMPLE_VALUES = 500
#: Share of sampled values that must match for a column to be flagged.
MATCH_SHARE = 0.8
#: Without a name-like column name, person names need this share and this many distinct values,
#: so that place names ("Upper West Side", repeated a lot) are not mistaken for people.
NAME_VALUE_SHARE, NAME_DISTINCT_SHARE = 0.95, 0.8
ACTION = "excluded from training; values masked in reports."
#: Relative rounding error of a number that went through float32 (2 ulps), ignored when counting decimals.
FLOAT32_RELATIVE_NOISE = 2.4e-7

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE_CHARS = re.compile(r"\+?[\d\s().-]+")
_DATE_LIKE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
_SSN = re.compile(r"(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}")
_NINO = re.compile(r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_LATLON = re.compile(r"\(?\s*(-?\d{1,2}\.\d{4,})\s*[,;]\s*(-?\d{1,3}\.\d{4,})\s*\)?")
#: Inside free text: an address anywhere, and digit runs that ``is_phone`` then judges.
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE_IN_TEXT = re.compile(r"(?<![\w.])\+?\(?\d[\d ().-]{7,20}\d(?!\w|\.\d)")
#: What an address or a number inside a text becomes: a word, so that a model may still learn
#: that a text gives one, never whose it is.
EMAIL_WORD, PHONE_WORD = "emailaddress", "phonenumber"
TEXT_PERSONAL = "personal_data_in_text"
#: Texts that must hold an address or a number, out of those sampled, for the finding.
TEXT_PERSONAL_SHARE = 0.01
_NAME_HINT = re.compile(r"(^|[_\W])(name|names|surname|firstname|lastname|fullname|first|last|given|customer|"
                        r"client|patient|person|employee|owner|contact|passenger|author|driver|holder)($|[_\W])")
_LAT_HINT = re.compile(r"(^|[_\W])(lat|latitude)($|[_\W])")
_LON_HINT = re.compile(r"(^|[_\W])(lon|lng|long|longitude)($|[_\W])")
_NAME_TITLES = {"mr", "mrs", "miss", "ms", "master", "dr", "rev", "prof", "sir", "lady"}


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def is_email(value: str) -> bool:
    return _EMAIL.fullmatch(value) is not None


def is_card_number(value: str) -> bool:
    digits = value.replace(" ", "").replace("-", "")
    return digits.isdigit() and 13 <= len(digits) <= 19 and digits[0] in "23456" and _luhn(digits)


def is_national_id(value: str) -> bool:
    return _SSN.fullmatch(value) is not None or _NINO.fullmatch(value.upper()) is not None


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_iban(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if _IBAN.fullmatch(compact) is None:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def is_phone(value: str) -> bool:
    """International or grouped numbers ('+44 20 7946 0958', '(555) 123-4567'); bare digit runs,
    decimals and dates are not phones."""
    if _PHONE_CHARS.fullmatch(value) is None or _DATE_LIKE.fullmatch(value) is not None:
        return False
    digits = sum(c.isdigit() for c in value)
    if not 9 <= digits <= 15:
        return False
    try:
        float(value)
        return False
    except ValueError:
        return value.startswith("+") or any(c in value for c in " ()-.")


def is_geolocation(value: str) -> bool:
    match = _LATLON.fullmatch(value)
    return match is not None and abs(float(match[1])) <= 90 and abs(float(match[2])) <= 180


def is_person_name(value: str) -> bool:
    """Two or three capitalised words ('Ada Lovelace', 'José de Souza' is not), or 'Braund, Mr. Owen'."""
    if "," in value:
        last, _, rest = value.partition(",")
        return _capitalised(last) and _name_words([w for w in rest.split() if w.lower().strip(".") not in _NAME_TITLES])
    return _name_words(value.split()) and 2 <= len(value.split()) <= 3


def _name_words(words: list[str]) -> bool:
    return bool(words) and len(words) <= 4 and all(_capitalised(w) or (len(w) == 2 and w[0].isupper() and w[1] == ".")
                                                   for w in words)


def _capitalised(word: str) -> bool:
    letters = word.replace("-", "").replace("'", "").replace("’", "")
    return len(letters) >= 2 and letters.isalpha() and word[0].isupper() and letters[1:].islower()


def mask_personal_text(text: str) -> str:
    """``text`` with its e-mail addresses and phone numbers replaced by a word each: what text
    models read, so that no address or number reaches a vocabulary saved with a model."""
    if "@" in text:
        text = _EMAIL_IN_TEXT.sub(f" {EMAIL_WORD} ", text)
    return _PHONE_IN_TEXT.sub(lambda m: f" {PHONE_WORD} " if is_phone(m.group().strip()) else m.group(), text)


def find_personal_text(raw: pd.DataFrame, text_columns: list[str], *, seed: int = 0) -> list[Finding]:
    """Text columns in which some values contain e-mail addresses or phone numbers. The column is
    kept (its words are what it is for); the text model masks them (``mask_personal_text``)."""
    findings = []
    for name in text_columns:
        values = _sample_values(raw[name], seed)
        holding = sum(mask_personal_text(v) != v for v in values)
        if values and holding >= max(2, TEXT_PERSONAL_SHARE * len(values)):
            findings.append(Finding(
                TEXT_PERSONAL, WARNING, name,
                f"{holding} of {len(values)} sampled texts contain e-mail addresses or phone numbers.",
                f"masked inside the text (as the words {EMAIL_WORD!r} and {PHONE_WORD!r}) before any model reads "
                "it; the column is kept."))
    return findings


@dataclass(frozen=True)
class Detector:
    """One kind of personal data: how a value is recognised and how the evidence reads."""

    kind: str
    looks_like: str
    match: Callable[[str], bool]
    severity: str = WARNING


#: In order of specificity: on a tie the more specific detector names the column.
DETECTORS = (
    Detector("pii_credit_card", "card numbers (Luhn-checked)", is_card_number, CRITICAL),
    Detector("pii_national_id", "national ID numbers (US SSN, UK NINO)", is_national_id, CRITICAL),
    Detector("pii_iban", "bank account numbers (IBAN, checksum-verified)", is_iban, CRITICAL),
    Detector("pii_email", "e-mail addresses", is_email),
    Detector("pii_ip_address", "IP addresses", is_ip_address),
    Detector("pii_geolocation", "precise 'latitude, longitude' positions", is_geolocation),
    Detector("pii_phone", "phone numbers", is_phone),
    Detector("pii_person_name", "person names", is_person_name),
)


def find_pii(raw: pd.DataFrame, *, skip: tuple[str, ...] = (), seed: int = 0) -> list[Finding]:
    """Personal-data findings for the columns of ``raw`` (a sample of the table as read)."""
    findings = []
    for name, dtype in raw.dtypes.items():
        if name in skip or dtype.kind in "fb":
            continue  # floats lost any card or phone digits long ago; coordinates are checked in pairs
        values = _sample_values(raw[name], seed)
        if values:
            finding = _column_finding(str(name), values)
            if finding is not None:
                findings.append(finding)
    return findings + _coordinate_pairs(raw, skip)


def _sample_values(column: pd.Series, seed: int) -> list[str]:
    present = column.dropna()
    if len(present) > SAMPLE_VALUES:
        present = present.sample(SAMPLE_VALUES, random_state=seed)
    if present.dtype.kind in "iu":
        return [str(v) for v in present if abs(int(v)) >= 10 ** 12]  # only card-length integers matter
    return [str(v) for v in clean_text(present).dropna()]


def _column_finding(name: str, values: list[str]) -> Finding | None:
    best, best_share = None, 0.0
    for detector in DETECTORS:
        share = sum(map(detector.match, values)) / len(values)
        if share > best_share:
            best, best_share = detector, share
    if best is None or best_share < MATCH_SHARE:
        return None
    evidence = f"{percent(best_share)} of {len(values)} sampled values look like {best.looks_like}"
    if best.kind == "pii_person_name":
        hinted = _NAME_HINT.search(name.lower()) is not None
        distinct = len(set(values)) / len(values)
        if not hinted and (best_share < NAME_VALUE_SHARE or distinct < NAME_DISTINCT_SHARE):
            return None
        evidence += " in a column named like a person's name" if hinted else f", {percent(distinct)} of them distinct"
    return Finding(best.kind, best.severity, name, evidence + ".", ACTION)


def _coordinate_pairs(raw: pd.DataFrame, skip: tuple[str, ...]) -> list[Finding]:
    """Numeric latitude/longitude columns (named so) given to at least four decimals (~10 m)."""
    numeric = [c for c, dtype in raw.dtypes.items() if dtype.kind == "f" and c not in skip]
    lats = [c for c in numeric if _LAT_HINT.search(str(c).lower()) and _precise(raw[c], 90)]
    lons = [c for c in numeric if _LON_HINT.search(str(c).lower()) and _precise(raw[c], 180)]
    findings = []
    for lat, lon in zip(lats, lons):
        share = min(_precise_share(raw[lat]), _precise_share(raw[lon]))
        evidence = (f"columns {lat!r} and {lon!r} hold latitude/longitude pairs; {percent(share)} of sampled "
                    "values have at least 4 decimals (position to about 10 m).")
        findings.append(Finding("pii_geolocation", WARNING, (str(lat), str(lon)), evidence, ACTION))
    return findings


def _precise(column: pd.Series, bound: float) -> bool:
    present = column.dropna()
    return not present.empty and bool((present.abs() <= bound).all()) and _precise_share(column) >= MATCH_SHARE


def _precise_share(column: pd.Series) -> float:
    present = column.dropna().to_numpy(dtype=float)[:SAMPLE_VALUES]
    if present.size == 0:
        return 0.0
    scaled = present * 1000
    # float32 storage turns 37.88 into 37.880001068...: digits within float32 rounding are not precision
    noise = np.maximum(np.abs(scaled) * FLOAT32_RELATIVE_NOISE, 1e-6)
    return float(np.mean(np.abs(scaled - np.round(scaled)) > noise))
