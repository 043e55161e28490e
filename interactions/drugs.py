"""Drug names: brand or generic, in any case, to one canonical name — or a refusal.

The table lives in ``drugs.toml`` (shipped with the package). A name outside it,
or one that could mean two different drugs ("mycophenolate"), raises
:class:`UnknownDrugError`: an interaction check can only be as good as its
knowledge of what the patient takes, so nothing is guessed.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

import attrs

from dosing.units import DoseInputError

DRUGS_FILE = "drugs.toml"

# Spaces, hyphens (and typographic dashes), slashes and underscores separate the
# parts of a drug name inconsistently across charts ("TMP-SMX", "TMP/SMX",
# "co-trimoxazole" vs "cotrimoxazole"), and ®/™ are decoration. Invisible format
# characters (soft hyphen, zero-width space/joiners, word joiner, BOM) come with
# names pasted from documents; they are not part of any name.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212/_®™\u00ad\u200b-\u200d\u2060\ufeff]+")


class InteractionDataError(ValueError):
    """A shipped or supplied data file (drug table or rule file) is malformed."""

    def __init__(self, source: str, problem: str):
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class UnknownDrugError(DoseInputError):
    """A drug name that is not in the drug table, or that is ambiguous."""

    def __init__(self, name: object, candidates: tuple[str, ...] = (), parameter: str = "drug"):
        self.name = name
        self.candidates = tuple(candidates)
        if candidates:
            problem = f"{name!r} is ambiguous: say which of {', '.join(candidates)}"
        else:
            problem = f"unknown drug {name!r}; it is not in the dmdose drug table, so its interactions cannot be checked"
        super().__init__(parameter, problem)


def normalize(name: str) -> str:
    """The matching key of a name: case-folded, without separators or surrounding space."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", name).casefold())


@attrs.frozen
class Drug:
    name: str
    classes: frozenset[str]
    synonyms: tuple[str, ...]


@attrs.frozen
class DrugTable:
    """Canonical drugs, declared classes, and the name index built from them."""

    drugs: dict[str, Drug]
    classes: dict[str, str]
    index: dict[str, str]  # normalized name -> canonical name
    ambiguous: dict[str, tuple[str, ...]]  # normalized name -> candidate canonical names

    def resolve(self, name: object, parameter: str = "drug") -> str:
        if not isinstance(name, str):
            raise UnknownDrugError(name, parameter=parameter)
        key = normalize(name)
        if key in self.index:
            return self.index[key]
        if key in self.ambiguous:
            raise UnknownDrugError(name, self.ambiguous[key], parameter=parameter)
        raise UnknownDrugError(name, parameter=parameter)

    def classes_of(self, name: str) -> frozenset[str]:
        return self.drugs[self.resolve(name)].classes

    def all_names(self) -> dict[str, str]:
        """Every listed name (canonical names and synonyms) -> its canonical name."""
        out = {}
        for drug in self.drugs.values():
            out[drug.name] = drug.name
            for synonym in drug.synonyms:
                out[synonym] = drug.name
        return out


def _string_list(value: Any, where: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InteractionDataError(source, f"{where}: expected a list of non-empty strings, got {value!r}")
    return tuple(value)


def parse_drug_table(data: dict[str, Any], source: str) -> DrugTable:
    """Build and validate a drug table from parsed TOML; raise on any inconsistency."""
    unknown = set(data) - {"classes", "ambiguous", "drugs"}
    if unknown:
        raise InteractionDataError(source, f"unknown top-level key(s) {sorted(unknown)}; allowed: ambiguous, classes, drugs")
    classes = data.get("classes", {})
    if not isinstance(classes, dict) or not all(isinstance(v, str) for v in classes.values()):
        raise InteractionDataError(source, "[classes] must map class names to descriptions")
    raw_drugs = data.get("drugs")
    if not isinstance(raw_drugs, dict) or not raw_drugs:
        raise InteractionDataError(source, "no [drugs.<name>] entries")

    drugs: dict[str, Drug] = {}
    index: dict[str, str] = {}

    def claim(name: str, canonical: str, where: str) -> None:
        key = normalize(name)
        if not key:
            raise InteractionDataError(source, f"{where}: empty name")
        owner = index.get(key)
        if owner is not None and owner != canonical:
            # One spelling for two drugs would make resolution a guess.
            raise InteractionDataError(source, f"{where}: {name!r} already names {owner!r}; a name must map to exactly one drug")
        index[key] = canonical

    for canonical, entry in raw_drugs.items():
        where = f"[drugs.{canonical!r}]"
        if not isinstance(entry, dict):
            raise InteractionDataError(source, f"{where} must be a table")
        if canonical != canonical.strip() or canonical != canonical.lower():
            raise InteractionDataError(source, f"{where}: canonical names are lower case without surrounding spaces")
        extra = set(entry) - {"classes", "synonyms"}
        if extra:
            raise InteractionDataError(source, f"{where}: unknown key(s) {sorted(extra)}; allowed: classes, synonyms")
        drug_classes = frozenset(_string_list(entry.get("classes", []), where + ".classes", source))
        undeclared = drug_classes - set(classes)
        if undeclared:
            raise InteractionDataError(source, f"{where}: undeclared class(es) {sorted(undeclared)}; declare them in [classes]")
        synonyms = _string_list(entry.get("synonyms", []), where + ".synonyms", source)
        claim(canonical, canonical, where)
        for synonym in synonyms:
            claim(synonym, canonical, where)
        drugs[canonical] = Drug(canonical, drug_classes, synonyms)

    ambiguous: dict[str, tuple[str, ...]] = {}
    for name, candidates in data.get("ambiguous", {}).items():
        where = f"[ambiguous] {name!r}"
        candidates = _string_list(candidates, where, source)
        missing = [c for c in candidates if c not in drugs]
        if missing or len(candidates) < 2:
            raise InteractionDataError(source, f"{where}: needs two or more canonical drug names; unknown: {missing}")
        key = normalize(name)
        if key in index:
            raise InteractionDataError(source, f"{where}: is also a name of {index[key]!r}; it cannot be both")
        ambiguous[key] = candidates

    return DrugTable(drugs, dict(classes), index, ambiguous)


def load_drug_table(path: str | Path | None = None) -> DrugTable:
    """The shipped drug table (cached), or the one in ``path``."""
    if path is None:
        return _shipped_table()
    path = Path(path)
    return parse_drug_table(read_toml(path.read_bytes(), str(path)), str(path))


def read_toml(raw: bytes, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InteractionDataError(source, f"not valid TOML ({exc})") from None


def read_package_toml(filename: str) -> dict[str, Any]:
    raw = importlib.resources.files("interactions").joinpath(filename).read_bytes()
    return read_toml(raw, f"interactions/{filename}")


@functools.cache
def _shipped_table() -> DrugTable:
    return parse_drug_table(read_package_toml(DRUGS_FILE), f"interactions/{DRUGS_FILE}")


def resolve(name: str) -> str:
    """The canonical name of ``name`` ("Enbrel" -> "etanercept"); raises UnknownDrugError."""
    return _shipped_table().resolve(name)


def canonical_drugs() -> tuple[str, ...]:
    """Every canonical drug name in the shipped table, sorted."""
    return tuple(sorted(_shipped_table().drugs))


def classes_of(name: str) -> frozenset[str]:
    """The classes of a drug given by any of its names; raises UnknownDrugError."""
    return _shipped_table().classes_of(name)
