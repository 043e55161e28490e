"""Problem lists as they are really written: synonyms, ICD-10-CM and SNOMED CT codes, misspellings.

The vocabulary is data (``interactions/conditions.toml``). Reading a problem list
gives three things (:class:`ConditionReading`):

* ``conditions`` — the known condition keys the rules read;
* ``unused`` — entries no rule reads (hypertension, osteoarthritis…), kept as written,
  in order, without repeats: accepted, never silently dropped;
* ``findings`` — cautions about entries that were NOT read as written: a likely
  misspelling of a known condition ("pregancy"), an unclear abbreviation ("DM"), an
  ambiguous entry read in its strictest sense ("hepatitis B"), an uncertain one
  ("? sepsis", read as present).

An unrecognised entry never weakens a check silently: it is either read (strictly) or
reported with a caution naming the condition it may be.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import attrs

from dosing.findings import Finding, Severity
from dosing.units import DoseInputError

CONDITIONS_FILE = Path(__file__).resolve().parent.parent.parent / "interactions" / "conditions.toml"

ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED_SYSTEM = "http://snomed.info/sct"

# difflib.SequenceMatcher ratio at or above which a free-text entry is reported as a
# likely misspelling of a known synonym. 0.85 catches one dropped, doubled or swapped
# letter in words of 7+ letters ("pregancy" 0.94, "diverticulits" 0.96, "hepatits b"
# 0.95, "diabetis" 0.875) while two distinct names one letter apart in a short word
# stay apart only through the [other] list ("hepatitis a" is 0.91 from "hepatitis b").
# A suggestion is never applied: the entry stays unused and a caution asks to correct it.
MISSPELLING_CUTOFF = 0.85

_REFERENCE = "dmdose condition vocabulary (interactions/conditions.toml)"

# Words that turn an entry into the absence or the uncertainty of a condition.
_NEGATION = re.compile(r"^(?:no|not|non|denies|denied|negative for|without|never|nil|ruled out|r o|excluded)\b|\b(?:negative|ruled out|excluded|resolved negative)$")
_UNCERTAIN = re.compile(r"^(?:\?\s*|suspected\s+|possible\s+|probable\s+|query\s+|likely\s+)|\s*\?$")

_CODE = re.compile(r"^\s*(icd[\s_-]?10[\s_-]?cm|snomed(?:[\s_-]?ct)?|sct)\s*[:|#]\s*(\S+)\s*$", re.IGNORECASE)
_ICD10CM_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
_SNOMED_CODE = re.compile(r"^[1-9][0-9]{5,17}$")


@attrs.frozen
class ConditionDef:
    """One known condition: its key, description, and the ways it is written and coded."""

    key: str
    description: str
    synonyms: tuple[str, ...]
    ambiguous: tuple[str, ...]
    icd10cm: tuple[str, ...]
    snomed: tuple[str, ...]


@attrs.frozen
class Vocabulary:
    conditions: dict[str, ConditionDef]
    synonyms: dict[str, frozenset[str]]  # normalised text → keys
    ambiguous: dict[str, frozenset[str]]
    other: frozenset[str]
    unclear: dict[str, str]

    def keys_for_icd10cm(self, code: str) -> frozenset[str]:
        """Keys whose listed ICD-10-CM code is this code or one of its ancestors (I50 ⊃ I50.9)."""
        compact = _icd_compact(code)
        return frozenset(
            c.key for c in self.conditions.values() if any(compact.startswith(_icd_compact(listed)) for listed in c.icd10cm)
        )

    def keys_for_snomed(self, code: str) -> frozenset[str]:
        return frozenset(c.key for c in self.conditions.values() if code.strip() in c.snomed)


@attrs.frozen
class ConditionReading:
    conditions: frozenset[str]
    unused: tuple[str, ...]
    findings: tuple[Finding, ...]


def normalise(text: str) -> str:
    """Lower case; '-', '_', '/', '.', ',', ';', ':', brackets and quotes read as spaces; spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("ö", "o").replace("é", "e")
    text = re.sub(r"[-_/.,;:()\[\]'\"`]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _icd_compact(code: str) -> str:
    return code.strip().upper().replace(".", "")


def _strings(data: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{where}: {key} must be a list of non-empty strings")
    return tuple(values)


def _condition(key: str, data: Mapping[str, object]) -> ConditionDef:
    where = f"{CONDITIONS_FILE.name} [condition.{key}]"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise ValueError(f"{where}: key must be snake_case")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ValueError(f"{where}: description is required")
    unknown = set(data) - {"description", "synonyms", "ambiguous", "icd10cm", "snomed"}
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}")
    icd = _strings(data, "icd10cm", where)
    bad = [c for c in icd if not _ICD10CM_CODE.fullmatch(c)]
    snomed = _strings(data, "snomed", where)
    bad += [c for c in snomed if not _SNOMED_CODE.fullmatch(c)]
    if bad:
        raise ValueError(f"{where}: malformed code(s) {bad}")
    return ConditionDef(
        key, description, _strings(data, "synonyms", where), _strings(data, "ambiguous", where), icd, snomed
    )


def _index(entries: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for text, key in entries:
        index.setdefault(normalise(text), set()).add(key)
    return {text: frozenset(keys) for text, keys in index.items()}


def load_vocabulary(path: Path = CONDITIONS_FILE) -> Vocabulary:
    """Read and check the vocabulary; a malformed file is a ValueError naming the entry."""
    raw = Path(path).read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    conditions = {key: _condition(key, value) for key, value in data.get("condition", {}).items()}
    synonyms = _index((s, c.key) for c in conditions.values() for s in (c.key.replace("_", " "), *c.synonyms))
    ambiguous = _index((s, c.key) for c in conditions.values() for s in c.ambiguous)
    clash = sorted(set(synonyms) & set(ambiguous))
    if clash:
        raise ValueError(f"{path.name}: entries both plain and ambiguous: {clash}")
    other = frozenset(normalise(t) for t in data.get("other", {}).get("terms", []))
    unclear = {normalise(k): v for k, v in data.get("unclear", {}).items()}
    overlap = sorted(other & (set(synonyms) | set(ambiguous) | set(unclear)))
    if overlap:
        raise ValueError(f"{path.name}: [other] terms that are also condition entries: {overlap}")
    return Vocabulary(conditions, synonyms, ambiguous, other, unclear)


@cache
def vocabulary() -> Vocabulary:
    return load_vocabulary()


def known_conditions() -> dict[str, str]:
    """Key → description, in file order (dosing.patient.KNOWN_CONDITIONS)."""
    return {key: c.description for key, c in vocabulary().conditions.items()}


def resolve_condition_code(system: str, code: str) -> frozenset[str]:
    """Known condition keys for a coded condition (a FHIR Coding's system URI and code).

    ICD-10-CM matches by category prefix where the category means the condition
    (I50 → heart failure for I50.9); SNOMED CT matches the listed concept ids exactly.
    An empty set means no rule reads this code (the caller keeps it as unused).
    A malformed code, or a system other than these two, raises DoseInputError.
    """
    if not isinstance(code, str) or not code.strip():
        raise DoseInputError("conditions", f"expected a code, got {code!r}")
    if system == ICD10CM_SYSTEM:
        if not _ICD10CM_CODE.fullmatch(code.strip().upper()):
            raise DoseInputError("conditions", f"{code!r} is not an ICD-10-CM code (e.g. 'I50.9')")
        return vocabulary().keys_for_icd10cm(code)
    if system == SNOMED_SYSTEM:
        if not _SNOMED_CODE.fullmatch(code.strip()):
            raise DoseInputError("conditions", f"{code!r} is not a SNOMED CT concept id (digits, e.g. '84114007')")
        return vocabulary().keys_for_snomed(code)
    raise DoseInputError("conditions", f"unknown code system {system!r}; use {ICD10CM_SYSTEM} or {SNOMED_SYSTEM}")


def _coded(text: str) -> frozenset[str] | None:
    """Keys for "ICD-10-CM:I50.9" / "SNOMED:84114007"; None when the entry is not written as a code."""
    match = _CODE.match(text)
    if not match:
        return None
    system = ICD10CM_SYSTEM if match.group(1).lower().startswith("icd") else SNOMED_SYSTEM
    return resolve_condition_code(system, match.group(2))


def _caution(rule_id: str, message: str) -> Finding:
    return Finding(rule_id, Severity.CAUTION, message, _REFERENCE)


def _describe(keys: Iterable[str]) -> str:
    return " and ".join(sorted(k.replace("_", " ") for k in keys))


def _likely(text: str, vocab: Vocabulary) -> str | None:
    """The known entry a free-text entry most likely misspells, if any (never applied)."""
    candidates = [*vocab.synonyms, *vocab.ambiguous]
    match = difflib.get_close_matches(text, candidates, n=1, cutoff=MISSPELLING_CUTOFF)
    return match[0] if match else None


def as_entry_list(values: object, parameter: str = "conditions") -> list[object]:
    """A problem list as a list: one string is one entry; a mapping or a bare value is refused."""
    if isinstance(values, str):
        return [values]
    if isinstance(values, Mapping):
        # {"pregnancy": false} would be read by its keys: say the conditions present, as a list.
        raise DoseInputError(parameter, "expected a list of the conditions present, not a mapping")
    if values is None or isinstance(values, (bytes, bytearray)) or not hasattr(values, "__iter__"):
        raise DoseInputError(parameter, f"expected a list of condition names (empty if none), got {values!r}")
    return list(values)


def read_conditions(values: object) -> ConditionReading:
    """Read a problem list (a list of strings, or one string) into keys, unused entries and cautions."""
    vocab = vocabulary()
    keys: set[str] = set()
    unused: list[str] = []
    seen_unused: set[str] = set()
    findings: list[Finding] = []

    def keep_unused(text: str, norm: str) -> None:
        if norm not in seen_unused:
            seen_unused.add(norm)
            unused.append(text)

    for index, raw in enumerate(as_entry_list(values)):
        if not isinstance(raw, str):
            raise DoseInputError(f"conditions[{index}]", f"expected a condition name or code as text, got {raw!r}")
        text = raw.strip()
        norm = normalise(text)
        if not norm or norm == "?":
            raise DoseInputError(f"conditions[{index}]", "empty entry; remove it or write the condition")
        coded = _coded(text)
        if coded is not None:
            keys |= coded
            if not coded:
                keep_unused(text, norm)
            continue
        if norm in vocab.synonyms:
            keys |= vocab.synonyms[norm]
            continue
        if norm in vocab.ambiguous:
            chosen = vocab.ambiguous[norm]
            keys |= chosen
            findings.append(_caution(
                "conditions.ambiguous",
                f"'{text}' does not say which form is meant; it was read as "
                f"{'; '.join(vocab.conditions[k].description for k in sorted(chosen))}, the strictest reading. "
                "Write the precise condition (e.g. 'resolved hepatitis B (anti-HBc positive)') if that is not what is meant",
            ))
            continue
        if norm in vocab.unclear:
            keep_unused(text, norm)
            findings.append(_caution("conditions.unclear", vocab.unclear[norm]))
            continue
        if norm in vocab.other or _NEGATION.search(norm):
            keep_unused(text, norm)
            continue
        uncertain = _UNCERTAIN.sub("", raw.strip().lower())
        if uncertain != raw.strip().lower() and normalise(uncertain) in vocab.synonyms:
            chosen = vocab.synonyms[normalise(uncertain)]
            keys |= chosen
            findings.append(_caution(
                "conditions.uncertain",
                f"'{text}' is recorded as uncertain; rules for {_describe(chosen)} were applied as if it were present. "
                "Remove it from the list once excluded",
            ))
            continue
        likely = _likely(norm, vocab)
        keep_unused(text, norm)
        if likely is not None:
            meant = vocab.synonyms.get(likely) or vocab.ambiguous[likely]
            findings.append(_caution(
                "conditions.unrecognised",
                f"'{text}' was not recognised; did you mean {likely}? Rules for {_describe(meant)} were NOT applied; "
                "correct the entry",
            ))
    return ConditionReading(frozenset(keys), tuple(unused), tuple(findings))


__all__ = [
    "ICD10CM_SYSTEM",
    "MISSPELLING_CUTOFF",
    "SNOMED_SYSTEM",
    "ConditionDef",
    "ConditionReading",
    "Vocabulary",
    "as_entry_list",
    "known_conditions",
    "load_vocabulary",
    "normalise",
    "read_conditions",
    "resolve_condition_code",
    "vocabulary",
]
