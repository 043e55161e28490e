"""Drug names: brand or generic, in any case, to one canonical name — or a refusal.

The table lives in ``drugs.toml`` (shipped with the package). A name outside it,
or one that could mean two different drugs ("mycophenolate"), raises
:class:`UnknownDrugError`: an interaction check can only be as good as its
knowledge of what the patient takes, so nothing is guessed.

Names are read as charts write them: the exact name is tried first, then the
product string is read (:mod:`interactions.products`: strength, form, device
words, salts, biosimilar suffixes, RxNorm display strings, combinations whose
ingredients make one listed drug), and ``rxcui:<code>`` / :func:`resolve_code`
read RxNorm codes.
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

from dosing.units import DoseInputError, memo_enabled
from interactions import products
from interactions.products import ProductReading

DRUGS_FILE = "drugs.toml"
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
_RXCUI_PREFIX = re.compile(r"^\s*rxcui\s*:\s*", re.IGNORECASE)
_RXCUI = re.compile(r"^[0-9]{1,9}$")
# How many distinct spellings a table remembers the reading of (DrugTable.outcome); then it starts over.
_RESOLVED_MAX = 4096

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

    def __init__(
        self,
        name: object,
        candidates: tuple[str, ...] = (),
        parameter: str = "drug",
        *,
        reading: ProductReading | None = None,
        problem: str | None = None,
    ):
        self.name = name
        self.candidates = tuple(candidates)
        # What was read in the name (strength, form, parts not recognised), when it was a product string.
        self.reading = reading
        shown = repr(name) if not isinstance(name, str) or len(name) <= products.MAX_PRODUCT_CHARS else repr(name[:60] + "...")
        if problem is not None:
            problem = f"{shown}: {problem}"
        elif candidates:
            problem = f"{shown} is ambiguous: say which of {', '.join(candidates)}"
        else:
            problem = f"unknown drug {shown}; it is not in the dmdose drug table, so its interactions cannot be checked"
        if reading is not None and problem is not None and (reading.unread or reading.topical or reading.confusables):
            problem += f" (read: {reading.describe()})"
        super().__init__(parameter, problem)

    @property
    def topical(self) -> bool:
        """True when the name was refused because it is a topical/eye/ear product (not systemic)."""
        return self.reading is not None and self.reading.topical


def normalize(name: str) -> str:
    """The matching key of a name: look-alike letters as Latin, case-folded, without separators or surrounding space."""
    return _SEPARATORS.sub("", products.latin_lookalikes(unicodedata.normalize("NFKC", name)).casefold())


@attrs.frozen
class Drug:
    name: str
    classes: frozenset[str]
    synonyms: tuple[str, ...]
    rxcui: tuple[str, ...] = ()
    ingredients: tuple[str, ...] = ()  # a combination product: its ingredient names


@attrs.frozen
class _Refusal:
    """Why a name does not resolve, apart from the parameter it came in: the UnknownDrugError is made from it."""

    name: object
    candidates: tuple[str, ...] = ()
    reading: ProductReading | None = None
    problem: str | None = None

    def error(self, parameter: str) -> UnknownDrugError:
        return UnknownDrugError(self.name, self.candidates, parameter, reading=self.reading, problem=self.problem)


@attrs.frozen
class DrugTable:
    """Canonical drugs, declared classes, and the name and code indexes built from them."""

    drugs: dict[str, Drug]
    classes: dict[str, str]
    index: dict[str, str]  # normalized name -> canonical name
    ambiguous: dict[str, tuple[str, ...]]  # normalized name -> candidate canonical names
    codes: dict[str, str] = attrs.field(factory=dict)  # RxCUI -> canonical name
    ambiguous_codes: dict[str, tuple[str, ...]] = attrs.field(factory=dict)  # RxCUI -> candidates
    combinations: dict[frozenset[str], str] = attrs.field(factory=dict)  # ingredient keys -> combination drug
    # name as written -> (canonical drug or refusal, normalized key): see outcome(). Not part of the table's value.
    _resolved: dict[str, tuple[str | _Refusal, str]] = attrs.field(factory=dict, init=False, repr=False, eq=False)

    def resolve(self, name: object, parameter: str = "drug") -> str:
        """The canonical drug of ``name`` (a name, a product string or ``rxcui:<code>``); raises UnknownDrugError."""
        if not isinstance(name, str):
            raise UnknownDrugError(name, parameter=parameter)
        outcome, _ = self.outcome(name, parameter)
        if isinstance(outcome, str):
            return outcome
        raise outcome

    def outcome(self, name: str, parameter: str = "drug") -> tuple[str | UnknownDrugError, str]:
        """(the canonical drug of ``name`` or the UnknownDrugError :meth:`resolve` would raise, the name's matching key).

        The key is ``normalize(name)``, what a caller tells two spellings of one name apart by. Reading a name
        is pure, so each spelling is read once (while dosing.units.memo_enabled()); the error is made anew for
        every call, with the caller's ``parameter``.
        """
        if not memo_enabled():
            found, key = self._resolution(name)
        else:
            hit = self._resolved.get(name)
            if hit is None:
                hit = self._resolution(name)
                # Bounded: a service reads names it has never seen. Longer texts are refused as too long anyway.
                if len(name) <= products.MAX_PRODUCT_CHARS:
                    if len(self._resolved) >= _RESOLVED_MAX:
                        self._resolved.clear()
                    self._resolved[name] = hit
            found, key = hit
        return (found if isinstance(found, str) else found.error(parameter)), key

    def _resolution(self, name: str) -> tuple[str | _Refusal, str]:
        key = normalize(name)
        if _RXCUI_PREFIX.match(name):
            return self._code_resolution(RXNORM_SYSTEM, _RXCUI_PREFIX.sub("", name, count=1)), key
        if key in self.index:
            return self.index[key], key
        if key in self.ambiguous:
            return _Refusal(name, self.ambiguous[key]), key
        return self._reading(name)[1], key

    def read(self, name: str) -> ProductReading:
        """What dmdose reads in ``name`` (names, strengths, form, canonical ingredients), whether or not it resolves."""
        if not isinstance(name, str):
            raise UnknownDrugError(name)
        reading, _ = self._reading(name)
        return reading

    def resolve_code(self, system: str, code: object, parameter: str = "drug") -> str:
        """The canonical drug of an RxNorm RxCUI (system ``RXNORM_SYSTEM``); raises UnknownDrugError."""
        found = self._code_resolution(system, code)
        if isinstance(found, str):
            return found
        raise found.error(parameter)

    def _code_resolution(self, system: str, code: object) -> str | _Refusal:
        if system != RXNORM_SYSTEM:
            return _Refusal(f"{system}|{code}", problem=f"code system {system!r} is not read; only RxNorm ({RXNORM_SYSTEM})")
        text = code.strip() if isinstance(code, str) else code
        if not isinstance(text, str) or not _RXCUI.match(text):
            return _Refusal(f"rxcui:{code}", problem="an RxCUI is 1 to 9 digits")
        if text in self.codes:
            return self.codes[text]
        if text in self.ambiguous_codes:
            return _Refusal(f"rxcui:{text}", self.ambiguous_codes[text])
        return _Refusal(f"rxcui:{text}", problem="RxCUI not in the dmdose drug table, so its interactions cannot be checked")

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

    # --- reading product strings ---------------------------------------------------------------

    def _lookup(self, text: str) -> str | tuple[str, ...] | None:
        """A canonical name, the candidates of an ambiguous name, or None."""
        key = normalize(text)
        if key in self.index:
            return self.index[key]
        if key in self.ambiguous:
            return self.ambiguous[key]
        base = products.biosimilar_base(text)
        if base is not None:
            canonical = self.index.get(normalize(base))
            # Only a biologic takes an FDA four-letter suffix: "rituximab-abbs", "infliximab-dyyb".
            if canonical is not None and "biologic" in self.drugs[canonical].classes:
                return canonical
        return None

    def _ingredient_key(self, text: str) -> str:
        """How a combination's ingredient is keyed: its canonical drug, or its normalized name."""
        found = self._lookup(text)
        return found if isinstance(found, str) else normalize(text)

    def _read_run(self, run: tuple[products.Token, ...]) -> tuple[list[str], list[str], list[tuple[str, ...]], list[str]]:
        """(names read, ingredient keys, ambiguities, unread parts) of one name run."""
        for candidate in products.name_candidates(run):
            found = self._lookup(candidate)
            if isinstance(found, str):
                return [candidate], [found], [], []
            if isinstance(found, tuple):
                ambiguous = (candidate, found)
                break
        else:
            ambiguous = None
        names: list[str] = []
        keys: list[str] = []
        unread: list[str] = []
        ambiguities: list[tuple[str, ...]] = []
        parts = products.components(products.core(run))
        if len(parts) < 2:
            if ambiguous is not None:
                return [ambiguous[0]], [], [ambiguous[1]], []
            text = products.text_of(products.core(run)) or products.text_of(run)
            return [text], [], [], [text]
        for part in parts:
            found = None
            text = ""
            for candidate in products.name_candidates(part):
                text = text or candidate
                found = self._lookup(candidate)
                if found is not None:
                    text = candidate
                    break
            if not text:
                continue
            names.append(text)
            if isinstance(found, str):
                keys.append(found)
            elif isinstance(found, tuple):
                ambiguities.append(found)
            else:
                keys.append(normalize(text))
                unread.append(text)
        return names, keys, ambiguities, unread

    def _read_segment(self, segment: products.Segment) -> tuple[list[str], str | None, list[tuple[str, ...]], list[str]]:
        """(names, the canonical drug the segment makes or None, ambiguities, unread) of one segment."""
        names: list[str] = []
        keys: list[str] = []
        ambiguities: list[tuple[str, ...]] = []
        unread: list[str] = []
        for run in segment.runs:
            if products.is_form_only(run):
                continue
            run_names, run_keys, run_ambiguous, run_unread = self._read_run(run)
            names += run_names
            keys += run_keys
            ambiguities += run_ambiguous
            unread += run_unread
        distinct = frozenset(keys)
        if ambiguities or not distinct:
            return names, None, ambiguities, unread
        combination = self.combinations.get(distinct) if len(distinct) > 1 else None
        if combination is not None:
            return names, combination, [], []
        if unread:
            return names, None, [], unread
        if len(distinct) == 1:
            return names, next(iter(distinct)), [], []
        return names, None, [], [" + ".join(names)]  # two drugs in one entry: not a listed combination

    def _reading(self, name: str) -> tuple[ProductReading, str | _Refusal]:
        try:
            parse = products.parse_product(name)
        except products.ProductTooLongError as error:
            reading = ProductReading(name[: products.MAX_PRODUCT_CHARS])
            return reading, _Refusal(name, problem=f"too long to be a drug name ({error})")
        names, canonical, ambiguities, unread = self._read_segment(parse.main)
        alternatives: list[str] = []
        for segment in parse.alternatives:
            if all(products.is_form_only(run) for run in segment.runs):
                continue  # "(PF)", "(human)": words about the product, not another name
            alt_names, alt, alt_ambiguous, alt_unread = self._read_segment(segment)
            alternatives += alt_names
            ambiguities += alt_ambiguous
            unread += alt_unread
            if alt is not None and canonical is not None and alt != canonical:
                unread.append(f"{' + '.join(alt_names)} (names {alt}, not {canonical})")
            canonical = canonical or alt
        segments = (parse.main, *parse.alternatives)
        strengths = tuple(s for seg in segments for s in seg.strengths)
        form_words = tuple(dict.fromkeys(w for seg in segments for w in seg.form_words))
        words = tuple(dict.fromkeys(w for seg in segments for w in seg.device_words))
        topical = any(seg.topical for seg in segments)
        reading = ProductReading(
            text=name,
            names=tuple(names),
            ingredients=(canonical,) if canonical is not None else (),
            alternatives=tuple(alternatives),
            strengths=strengths,
            form=" ".join(form_words) or None,
            words=words,
            topical=topical,
            confusables=parse.confusables,
            unread=tuple(dict.fromkeys(unread)),
        )
        if canonical is not None and not ambiguities and not unread and not topical:
            return reading, canonical
        if topical and canonical is not None:
            problem = (
                f"read as {canonical} in a topical, eye or ear form ({reading.form}); dmdose checks systemic drugs only, "
                "so this product's interactions are not checked"
            )
            return reading, _Refusal(name, reading=reading, problem=problem)
        if ambiguities and not unread:
            candidates = tuple(dict.fromkeys(c for group in ambiguities for c in group))
            return reading, _Refusal(name, candidates, reading=reading)
        return reading, _Refusal(name, reading=reading)


def _string_list(value: Any, where: str, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InteractionDataError(source, f"{where}: expected a list of non-empty strings, got {value!r}")
    return tuple(value)


def parse_drug_table(data: dict[str, Any], source: str) -> DrugTable:
    """Build and validate a drug table from parsed TOML; raise on any inconsistency."""
    unknown = set(data) - {"classes", "ambiguous", "ambiguous_rxcui", "drugs"}
    if unknown:
        raise InteractionDataError(source, f"unknown top-level key(s) {sorted(unknown)}; allowed: ambiguous, ambiguous_rxcui, classes, drugs")
    classes = data.get("classes", {})
    if not isinstance(classes, dict) or not all(isinstance(v, str) for v in classes.values()):
        raise InteractionDataError(source, "[classes] must map class names to descriptions")
    raw_drugs = data.get("drugs")
    if not isinstance(raw_drugs, dict) or not raw_drugs:
        raise InteractionDataError(source, "no [drugs.<name>] entries")

    drugs: dict[str, Drug] = {}
    index: dict[str, str] = {}
    codes: dict[str, str] = {}

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
        extra = set(entry) - {"classes", "synonyms", "rxcui", "ingredients"}
        if extra:
            raise InteractionDataError(source, f"{where}: unknown key(s) {sorted(extra)}; allowed: classes, ingredients, rxcui, synonyms")
        drug_classes = frozenset(_string_list(entry.get("classes", []), where + ".classes", source))
        undeclared = drug_classes - set(classes)
        if undeclared:
            raise InteractionDataError(source, f"{where}: undeclared class(es) {sorted(undeclared)}; declare them in [classes]")
        synonyms = _string_list(entry.get("synonyms", []), where + ".synonyms", source)
        rxcui = _codes(entry.get("rxcui", []), where + ".rxcui", source)
        for code in rxcui:
            if code in codes and codes[code] != canonical:
                raise InteractionDataError(source, f"{where}: RxCUI {code} already names {codes[code]!r}; a code must map to exactly one drug")
            codes[code] = canonical
        ingredients = _string_list(entry.get("ingredients", []), where + ".ingredients", source) if "ingredients" in entry else ()
        if ingredients and len(ingredients) < 2:
            raise InteractionDataError(source, f"{where}: ingredients lists the two or more ingredients of a combination")
        claim(canonical, canonical, where)
        for synonym in synonyms:
            claim(synonym, canonical, where)
        drugs[canonical] = Drug(canonical, drug_classes, synonyms, rxcui, ingredients)

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

    ambiguous_codes: dict[str, tuple[str, ...]] = {}
    for code, candidates in data.get("ambiguous_rxcui", {}).items():
        where = f"[ambiguous_rxcui] {code!r}"
        (code,) = _codes([code], where, source)
        candidates = _string_list(candidates, where, source)
        missing = [c for c in candidates if c not in drugs]
        if missing or len(candidates) < 2:
            raise InteractionDataError(source, f"{where}: needs two or more canonical drug names; unknown: {missing}")
        if code in codes:
            raise InteractionDataError(source, f"{where}: is also a code of {codes[code]!r}; it cannot be both")
        ambiguous_codes[code] = candidates

    table = DrugTable(drugs, dict(classes), index, ambiguous, codes, ambiguous_codes)
    combinations: dict[frozenset[str], str] = {}
    for drug in drugs.values():
        if not drug.ingredients:
            continue
        made_of = frozenset(table._ingredient_key(name) for name in drug.ingredients)
        if len(made_of) != len(drug.ingredients) or drug.name in made_of:
            raise InteractionDataError(source, f"[drugs.{drug.name!r}].ingredients: {list(drug.ingredients)} must name distinct ingredients other than the drug itself")
        if made_of in combinations:
            raise InteractionDataError(source, f"[drugs.{drug.name!r}].ingredients: the same ingredients already make {combinations[made_of]!r}")
        combinations[made_of] = drug.name
    return attrs.evolve(table, combinations=combinations)


def _codes(value: Any, where: str, source: str) -> tuple[str, ...]:
    """RxCUIs: strings of 1 to 9 digits (RxNorm concept unique identifiers), no repeats."""
    if not isinstance(value, list) or not all(isinstance(v, str) and _RXCUI.match(v) for v in value):
        raise InteractionDataError(source, f"{where}: expected a list of RxCUI strings (digits only), got {value!r}")
    if len(set(value)) != len(value):
        raise InteractionDataError(source, f"{where}: repeated code in {value!r}")
    return tuple(value)


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
    # Parsed from the shipped bytes every time it is loaded (once per process): a parsed copy cached
    # elsewhere could differ from the files the verdict's knowledge_hash names.
    return read_toml(raw, f"interactions/{filename}")



@functools.cache
def _shipped_table() -> DrugTable:
    return parse_drug_table(read_package_toml(DRUGS_FILE), f"interactions/{DRUGS_FILE}")


def resolve(name: str) -> str:
    """The canonical name of ``name`` ("Enbrel" -> "etanercept", "Bactrim DS 800-160 mg tablet" ->
    "trimethoprim-sulfamethoxazole", "rxcui:6851" -> "methotrexate"); raises UnknownDrugError."""
    return _shipped_table().resolve(name)


def resolve_code(system: str, code: str) -> str:
    """The canonical name of a coded drug (RxNorm RxCUI; ``system`` is RXNORM_SYSTEM); raises UnknownDrugError."""
    return _shipped_table().resolve_code(system, code)


def read_product(name: str) -> ProductReading:
    """What dmdose reads in a product string (names, canonical ingredients, strengths, form, device words)."""
    return _shipped_table().read(name)


def canonical_drugs() -> tuple[str, ...]:
    """Every canonical drug name in the shipped table, sorted."""
    return tuple(sorted(_shipped_table().drugs))


def classes_of(name: str) -> frozenset[str]:
    """The classes of a drug given by any of its names; raises UnknownDrugError."""
    return _shipped_table().classes_of(name)
