"""Drug-name resolution and a data-driven interaction / patient-safety rule engine.

    >>> from interactions import resolve, check
    >>> resolve("Enbrel")
    'etanercept'

Rules live in ``rules.toml`` and drug names in ``drugs.toml`` (both shipped with
the package, validated and cached on first use); see docs/interactions.md.
"""

from interactions.drugs import (
    DrugTable,
    InteractionDataError,
    UnknownDrugError,
    canonical_drugs,
    classes_of,
    load_drug_table,
    normalize,
    resolve,
)
from interactions.engine import (
    CONTINUATION_RULE,
    DUPLICATE_RULE,
    UNKNOWN_DRUG_RULE,
    CheckResult,
    Rule,
    check,
    knowledge_hash,
    load_rules,
)

__all__ = [
    "CONTINUATION_RULE",
    "CheckResult",
    "DUPLICATE_RULE",
    "DrugTable",
    "InteractionDataError",
    "Rule",
    "UNKNOWN_DRUG_RULE",
    "UnknownDrugError",
    "canonical_drugs",
    "check",
    "classes_of",
    "knowledge_hash",
    "load_drug_table",
    "load_rules",
    "normalize",
    "resolve",
]
