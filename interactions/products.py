"""Product strings as charts write them: name(s), strength(s), dose form and device words.

A medication list rarely holds a bare generic name. It holds "Bactrim DS",
"SMX-TMP DS 800-160 mg tablet", "Otrexup 15 mg/0.4 mL auto-injector" or the
RxNorm display string "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral
Tablet [Bactrim]". This module reads such a string into its parts; the drug
table (:mod:`interactions.drugs`) then resolves the name parts.

What is stripped is a CLOSED list of words (strength units, dose forms,
routes, devices, release modifiers, salts): a word that is not on it stays
part of the name, so "Rituxan Hycela" or "Advil PM" stay unknown instead of
being trimmed down to a name that resolves. Nothing is guessed.

Two decisions, documented in docs/interactions.md ("Product strings"):

* Topical, eye and ear forms (cream, ointment, gel, ophthalmic...) are not
  systemic: "hydrocortisone cream" must not be read as systemic hydrocortisone
  and "cyclosporine ophthalmic emulsion" must not raise the cyclosporine +
  methotrexate interaction. Such a reading is flagged ``topical`` and the drug
  table refuses it (UnknownDrugError naming the form).
* Look-alike letters: Cyrillic and Greek letters that look IDENTICAL to a
  Latin letter (the single-letter prototypes of Unicode TR39 confusables.txt)
  are mapped to that Latin letter before matching, so "Вactrim" with a
  Cyrillic В reads as Bactrim. Refusing mixed-script names instead would turn
  the methotrexate + TMP-SMX block into an "unknown drug" finding, which is the
  weaker alarm; a mapped name still has to match a listed name exactly to
  resolve, so the mapping cannot create a match that a reader of the chart
  would not also see. The mapped letters are kept on the reading.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import attrs

# No product name, even an RxNorm pack string, is longer; longer input is
# refused before any work is done (issue 6: bounded input).
MAX_PRODUCT_CHARS = 300

# --- look-alike letters ------------------------------------------------------------------------
# Cyrillic and Greek letters whose TR39 confusables.txt prototype is one Latin
# letter and which render identically in common fonts. Letters that only look
# similar (Cyrillic п, и, Greek α, ν) are NOT mapped: a name containing them
# stays unknown. Source: Unicode Technical Standard #39, confusables.txt.
CONFUSABLES: dict[str, str] = {
    # Cyrillic capitals
    "\u0410": "A", "\u0412": "B", "\u0421": "C", "\u0415": "E", "\u041d": "H", "\u0406": "I",
    "\u0408": "J", "\u041a": "K", "\u041c": "M", "\u041e": "O", "\u0420": "P", "\u0405": "S",
    "\u0422": "T", "\u0425": "X", "\u04ae": "Y", "\u04c0": "I",
    # Cyrillic small
    "\u0430": "a", "\u0441": "c", "\u0435": "e", "\u0456": "i", "\u0458": "j", "\u043e": "o",
    "\u0440": "p", "\u0455": "s", "\u0445": "x", "\u0443": "y", "\u04cf": "l", "\u0501": "d",
    # Greek capitals
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H", "\u0399": "I",
    "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O", "\u03a1": "P", "\u03a4": "T",
    "\u03a5": "Y", "\u03a7": "X",
    # Greek small
    "\u03bf": "o",
}

_CONFUSABLE_TABLE = str.maketrans(CONFUSABLES)

# Format characters pasted with names from documents (soft hyphen, zero-width
# space/joiners, word joiner, BOM) and trademark signs are not part of a name.
_DROPPED = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ae", "\u2122", "\u00a9"}
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")

# --- the closed word lists -----------------------------------------------------------------------
# Keys are case-folded words without hyphens ("auto-injector" -> "autoinjector").

UNITS = frozenset(
    {"mg", "mcg", "ug", "µg", "g", "gm", "gram", "grams", "kg", "ml", "l", "meq", "mmol", "unit", "units", "iu", "actuat", "hr", "h", "%"}
)
# Strength modifiers that end a name ("Bactrim DS").
STRENGTH_WORDS = frozenset({"ds", "ss", "f", "forte"})
DOSE_FORMS = frozenset(
    {
        "tablet", "tablets", "tab", "tabs", "caplet", "caplets", "capsule", "capsules", "cap", "caps", "chewable",
        "solution", "soln", "suspension", "susp", "syrup", "elixir", "liquid", "injection", "injectable", "inj",
        "infusion", "powder", "lyophilized", "concentrate", "premix", "emulsion", "pack", "dosepak", "kit", "sprinkle",
        "odt", "disintegrating", "film", "coated", "filmcoated",
    }
)
DEVICES = frozenset(
    {
        "pen", "pens", "syringe", "syringes", "prefilled", "pfs", "autoinjector", "injector", "vial", "vials", "cartridge",
        "ampule", "ampoule", "bag", "sureclick", "smartject", "actpen", "clickject", "sensoready", "autotouch",
    }
)
ROUTES = frozenset(
    {"oral", "po", "intravenous", "iv", "subcutaneous", "subcut", "subq", "sc", "sq", "intramuscular", "im", "by", "mouth"}
)
# Release and presentation modifiers; "human" from "immune globulin (human)",
# DIF (Flebogamma) and NF (Carimune NF) are manufacturers' product suffixes.
MODIFIERS = frozenset(
    {
        "dr", "er", "xr", "xl", "sr", "ec", "delayed", "extended", "release", "enteric", "modified", "pediatric",
        "single", "multi", "dose", "use", "preservative", "free", "pf", "for", "per", "each", "human", "dif", "nf",
        "biosimilar", "generic", "brand", "oncology",
    }
)
# Directions copied into a medication-list entry ("HCQ 200 mg BID", "MTX 15 mg SC
# weekly"): they never change which drug it is. The schedule itself is read by
# dosing.input.frequency from the order's frequency field, never from here.
SIG_WORDS = frozenset(
    {
        "daily", "weekly", "bid", "tid", "qid", "qd", "qod", "qhs", "hs", "prn", "qam", "qpm", "once", "twice", "every",
        "day", "days", "week", "weeks", "month", "monthly", "at", "bedtime", "morning", "evening", "night", "as", "needed",
        "take", "times", "a", "on", "x",
    }
)
FORM_WORDS = DOSE_FORMS | DEVICES | ROUTES | MODIFIERS | STRENGTH_WORDS | SIG_WORDS
# Topical, eye and ear forms: not systemic, never resolved (see module docstring).
# Patches, suppositories, enemas, inhalers and nasal sprays are deliberately in
# NO list: some are systemic (Sprix nasal ketorolac), so such a string stays unknown.
NON_SYSTEMIC = frozenset(
    {"cream", "ointment", "lotion", "gel", "foam", "shampoo", "paste", "topical", "cutaneous", "ophthalmic", "otic", "eye", "ear"}
)
# Salt and hydrate words: "dexamethasone sodium phosphate" is dexamethasone.
# Tried only after the name as written failed, so "mycophenolate sodium" (a
# listed name) is never cut to the ambiguous "mycophenolate".
SALTS = frozenset(
    {
        "sodium", "disodium", "potassium", "calcium", "magnesium", "sulfate", "sulphate", "hydrochloride", "hcl",
        "phosphate", "acetate", "succinate", "tromethamine", "mesylate", "maleate", "citrate", "tartrate", "hyclate",
        "monohydrate", "dihydrate", "anhydrous", "dipotassium",
    }
)
# Words that join the ingredients of a combination ("sulfamethoxazole and trimethoprim").
JOINERS = frozenset({"and", "with", "&", "+", "/", ","})

_TOKEN = re.compile(
    r"""
    (?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)
  | (?P<word>[^\W\d_][^\W_]*(?:['-][^\W\d_][^\W_]*)*)
  | (?P<punct>[%/+,&()\[\]{}-])
  | (?P<space>\s+)
  | (?P<dot>\.)
  | (?P<other>.)
    """,
    re.VERBOSE,
)
_MAX_TRIM = 8  # closed-list words removed from either end of a name, at most
_BIOSIMILAR = re.compile(r"^(?P<base>.+)-(?P<suffix>[a-z]{4})$")


@attrs.frozen
class Token:
    kind: str  # number | word | punct | other
    text: str

    @property
    def key(self) -> str:
        return self.text.casefold().replace("-", "")


@attrs.frozen
class ProductReading:
    """What was read in a product string.

    ``names`` are the name parts as read (one per ingredient or brand, e.g.
    ``("sulfamethoxazole", "trimethoprim")``); ``ingredients`` the canonical
    drugs they resolved to (filled in by the drug table; empty when nothing
    resolved); ``alternatives`` names given in brackets or parentheses
    ("[Bactrim]", "(methotrexate sodium)"), which must agree with the main name;
    ``strengths`` as written ("800-160 mg", "10 %", "DS"); ``form`` the dose-form
    and route words ("oral tablet"); ``words`` device and modifier words
    ("pen", "prefilled syringe", "DR"); ``topical`` when a non-systemic form was
    named; ``confusables`` the look-alike letters mapped ("В->B"); ``unread`` the
    name parts the table did not know.
    """

    text: str
    names: tuple[str, ...] = ()
    ingredients: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    form: str | None = None
    words: tuple[str, ...] = ()
    topical: bool = False
    confusables: tuple[str, ...] = ()
    unread: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for an error message: what was read."""
        parts = []
        if self.names:
            parts.append("name " + " + ".join(repr(n) for n in self.names))
        if self.alternatives:
            parts.append("also named " + ", ".join(repr(a) for a in self.alternatives))
        if self.strengths:
            parts.append("strength " + ", ".join(self.strengths))
        if self.form:
            parts.append(f"form {self.form!r}")
        if self.words:
            parts.append("device/modifier " + ", ".join(self.words))
        if self.confusables:
            parts.append("look-alike letters read as Latin " + ", ".join(self.confusables))
        if self.unread:
            parts.append("not recognised: " + ", ".join(repr(u) for u in self.unread))
        return "; ".join(parts) if parts else "nothing recognisable"


class ProductTooLongError(ValueError):
    """The text is longer than any product name (MAX_PRODUCT_CHARS)."""


def latin_lookalikes(text: str) -> str:
    """``text`` with the look-alike letters of CONFUSABLES replaced by their Latin letter."""
    return text.translate(_CONFUSABLE_TABLE)


def clean(text: str) -> tuple[str, tuple[str, ...]]:
    """NFKC, typographic dashes to '-', pasted format characters dropped, look-alikes mapped.

    Returns the cleaned text and the look-alike letters mapped ("В->B").
    """
    if len(text) > MAX_PRODUCT_CHARS:
        raise ProductTooLongError(f"{len(text)} characters; a product name has at most {MAX_PRODUCT_CHARS}")
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    out: list[str] = []
    mapped: list[str] = []
    for char in text:
        if char in _DROPPED:
            continue
        latin = CONFUSABLES.get(char)
        if latin is not None:
            mapped.append(f"{char}->{latin}")
            char = latin
        out.append(char)
    return "".join(out).strip(), tuple(dict.fromkeys(mapped))


def tokenize(text: str) -> tuple[Token, ...]:
    """Tokens of a cleaned product string; spaces and stray dots ("tab.") are dropped."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        if kind in ("space", "dot"):
            continue
        tokens.append(Token(kind, match.group()))
    return tuple(tokens)


# --- structure --------------------------------------------------------------------------------


@attrs.frozen
class Segment:
    """A run of tokens read as one product: name runs, strengths and form words."""

    runs: tuple[tuple[Token, ...], ...]  # name runs, in order (still holding form words at their ends)
    strengths: tuple[str, ...]
    form_words: tuple[str, ...]
    device_words: tuple[str, ...]
    topical: bool


@attrs.frozen
class ProductParse:
    """A product string split into its main segment and bracketed alternatives."""

    text: str
    main: Segment
    alternatives: tuple[Segment, ...]
    confusables: tuple[str, ...]


def parse_product(text: str) -> ProductParse:
    """Split ``text`` into name runs, strengths, forms and bracketed alternatives (no drug lookup)."""
    cleaned, mapped = clean(text)
    tokens = tokenize(cleaned)
    main, groups = _split_groups(tokens)
    return ProductParse(text, _segment(main), tuple(_segment(g) for g in groups), mapped)


def _split_groups(tokens: tuple[Token, ...]) -> tuple[list[Token], list[list[Token]]]:
    """Main tokens, and the contents of () and [] groups (alternative names).

    An RxNorm pack "{7 (methotrexate 2.5 MG Oral Tablet) } Pack" lists its
    contents inside braces: they are the product itself (see _dissolve_packs).
    """
    if any(t.kind == "punct" and t.text == "{" for t in tokens):
        return _dissolve_packs(tokens)
    main: list[Token] = []
    groups: list[list[Token]] = []
    stack: list[list[Token]] = []
    for tok in tokens:
        if tok.kind == "punct" and tok.text in "([":
            stack.append([])
        elif tok.kind == "punct" and tok.text in ")]":
            if stack:
                groups.append(stack.pop())
            else:
                main.append(Token("other", tok.text))  # unbalanced: never silently dropped
        elif tok.kind == "punct" and tok.text == "}":
            main.append(Token("other", tok.text))
        else:
            (stack[-1] if stack else main).append(tok)
    for content in stack:  # unclosed group: its words stay in the main name
        main.extend(content)
    return main, groups


def _dissolve_packs(tokens: tuple[Token, ...]) -> tuple[list[Token], list[list[Token]]]:
    """A brace pack's parenthesised contents are the main product (its ingredients, '/'-joined).

    The leading counts ("7 (...)") read as strengths and change nothing; a
    bracketed brand after the braces stays an alternative name.
    """
    inside: list[Token] = []
    depth = 0
    for tok in tokens:
        if tok.kind == "punct" and tok.text == "{":
            depth += 1
            continue
        if tok.kind == "punct" and tok.text == "}":
            depth = max(0, depth - 1)
            inside.append(Token("punct", "/"))
            continue
        if depth and not (tok.kind == "punct" and tok.text in "()"):
            inside.append(tok)
    # Tokens outside the braces: the pack word and an optional [Brand].
    outside, brand_groups = [], []
    depth = 0
    bracket: list[Token] | None = None
    for tok in tokens:
        if tok.kind == "punct" and tok.text == "{":
            depth += 1
        elif tok.kind == "punct" and tok.text == "}":
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif tok.kind == "punct" and tok.text == "[":
            bracket = []
        elif tok.kind == "punct" and tok.text == "]" and bracket is not None:
            brand_groups.append(bracket)
            bracket = None
        elif bracket is not None:
            bracket.append(tok)
        else:
            outside.append(tok)
    if bracket:  # unclosed bracket: its words stay in the name, never dropped
        outside.extend(bracket)
    return inside + outside, brand_groups


def _is_unit(tok: Token) -> bool:
    return (tok.kind == "word" and tok.key in UNITS) or (tok.kind == "punct" and tok.text == "%")


def _read_strength(tokens: list[Token], i: int) -> tuple[str, int]:
    """The strength starting at tokens[i] (a number): NUMBER [UNIT] (('/'|'-') NUMBER [UNIT] | '/' UNIT)*."""
    parts = [tokens[i].text]
    i += 1
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if _is_unit(tok) or tok.kind == "punct" and tok.text in "/-" and nxt is not None and (nxt.kind == "number" or (tok.text == "/" and _is_unit(nxt))) or tok.kind == "number" and parts[-1] in "/-":
            parts.append(tok.text)
            i += 1
        else:
            break
    text = " ".join(parts).replace(" / ", "/").replace(" - ", "-").replace(" %", "%")
    return text, i


def _segment(tokens: list[Token]) -> Segment:
    runs: list[tuple[Token, ...]] = []
    strengths: list[str] = []
    current: list[Token] = []
    topical = any(t.kind == "word" and t.key in NON_SYSTEMIC for t in tokens)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "number":
            if current:
                runs.append(tuple(current))
                current = []
            text, i = _read_strength(tokens, i)
            strengths.append(text)
            continue
        if tok.kind == "word" and tok.key in STRENGTH_WORDS:
            if current:
                runs.append(tuple(current))
                current = []
            strengths.append(tok.text)
            i += 1
            continue
        current.append(tok)
        i += 1
    if current:
        runs.append(tuple(current))
    form_words: list[str] = []
    device_words: list[str] = []
    for run in runs:
        for tok in run:
            if tok.kind != "word":
                continue
            if tok.key in DOSE_FORMS or tok.key in ROUTES or tok.key in NON_SYSTEMIC:
                form_words.append(tok.text.lower())
            elif tok.key in DEVICES or tok.key in MODIFIERS or tok.key in SIG_WORDS:
                device_words.append(tok.text)
    return Segment(tuple(runs), tuple(strengths), tuple(form_words), tuple(device_words), topical)


# --- name candidates of a run -------------------------------------------------------------------


def _trim(run: tuple[Token, ...], drop: frozenset[str]) -> tuple[Token, ...]:
    """``run`` without leading/trailing joiners and closed-list words."""
    start, end = 0, len(run)

    def droppable(tok: Token) -> bool:
        return (tok.kind == "punct" and tok.text in JOINERS) or (tok.kind == "word" and (tok.key in drop or tok.key in JOINERS))

    while start < end and droppable(run[start]):
        start += 1
    while end > start and droppable(run[end - 1]):
        end -= 1
    return run[start:end]


def text_of(run: tuple[Token, ...]) -> str:
    out = ""
    for tok in run:
        if out and not (tok.kind == "punct" and tok.text in "/-%,") and not out.endswith(("/", "-")):
            out += " "
        out += tok.text
    return out


def name_candidates(run: tuple[Token, ...]) -> Iterator[str]:
    """Names to look up for one run, most literal first.

    The run as written, then with closed-list words (forms, devices, routes,
    directions, salts) removed from its ends one at a time, fewest first: a
    listed name that itself ends in such a word ("Envarsus XR", "mycophenolate
    sodium") is found before a shorter one. Only closed-list words are ever
    removed, so every candidate is the written name minus words that do not
    name a drug.
    """
    run = _trim(run, frozenset())
    drop = FORM_WORDS | NON_SYSTEMIC | SALTS

    def droppable(tok: Token) -> bool:
        return (tok.kind == "punct" and tok.text in JOINERS) or (tok.kind == "word" and (tok.key in drop or tok.key in JOINERS))

    lead = 0
    while lead < len(run) and lead < _MAX_TRIM and droppable(run[lead]):
        lead += 1
    trail = 0
    while trail < len(run) - lead and trail < _MAX_TRIM and droppable(run[len(run) - 1 - trail]):
        trail += 1
    seen: set[str] = set()
    for total in range(lead + trail + 1):
        for head in range(min(total, lead) + 1):
            tail = total - head
            if tail > trail:
                continue
            text = text_of(_trim(run[head : len(run) - tail], frozenset()))
            if text and text not in seen:
                seen.add(text)
                yield text


def core(run: tuple[Token, ...]) -> tuple[Token, ...]:
    """The run without joiners, form words and salts at its ends (for component splitting)."""
    return _trim(run, FORM_WORDS | NON_SYSTEMIC | SALTS)


def is_form_only(run: tuple[Token, ...]) -> bool:
    """A run of form/device/route words only ("Oral Tablet", "prefilled syringe")."""
    return not _trim(run, FORM_WORDS | NON_SYSTEMIC)


def components(run: tuple[Token, ...]) -> tuple[tuple[Token, ...], ...]:
    """Split a run into ingredient parts at joiners and at hyphens inside words ("SMZ-TMP")."""
    parts: list[list[Token]] = [[]]
    for tok in run:
        if (tok.kind == "punct" and tok.text in JOINERS | {"-"}) or (tok.kind == "word" and tok.key in JOINERS):
            parts.append([])
        elif tok.kind == "word" and "-" in tok.text:
            pieces = tok.text.split("-")
            parts[-1].append(Token("word", pieces[0]))
            for piece in pieces[1:]:
                parts.append([Token("word", piece)])
        else:
            parts[-1].append(tok)
    return tuple(tuple(p) for p in parts if p)


def biosimilar_base(name: str) -> str | None:
    """'adalimumab-adaz' -> 'adalimumab': the FDA four-letter suffix of a biologic (base checked by the caller)."""
    match = _BIOSIMILAR.match(name.strip().casefold())
    return match.group("base") if match else None
