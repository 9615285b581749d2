"""Words a text message must never contain (rules §4: an SMS carries no health detail at all).

A text can be read on a locked phone by anyone nearby. So no word for a symptom, a body part, a
condition, or a kind of service that hints at one; not even the team's name when it has one
("Breast Care Team"). The list is kept by hand; tests/notify check that every word of the
rules file's symptom labels is either here or known to be harmless, so a new symptom in the
rules cannot slip a new word past it.

"Symptom" itself is not on it: it names no symptom, and the service's own name and address
("symptom diary") may use it. The service's address is in every text, so it is checked too,
once, when the settings are read (tracker.config).
"""

from __future__ import annotations

import re

CONDITIONS = {
    "cancer", "cancers", "tumour", "tumours", "tumor", "tumors", "oncology", "oncologist",
    "chemo", "chemotherapy", "radiotherapy", "radiation", "hormone", "hormones", "tamoxifen",
    "letrozole", "anastrozole", "herceptin", "mastectomy", "lumpectomy", "lymphoedema",
    "lymphedema", "lymph", "metastatic", "metastasis", "metastases", "secondary", "recurrence",
    "relapse", "diagnosis", "diagnosed", "illness", "disease",
    "condition", "conditions", "infection", "infections", "fever", "temperature", "seizure",
    "fracture", "fractures", "jaundice", "sepsis", "unwell", "ill", "worse", "worsening",
}  # fmt: skip
SERVICES = {
    "hospice", "palliative", "macmillan", "curie", "clinic", "clinics", "ward", "nurse",
    "nurses", "doctor", "doctors", "gp", "hospital", "hospitals", "health", "medical",
    "medicine", "medication", "treatment", "treatments", "treating", "therapy", "surgery",
    "surgeon", "scan", "scans", "oncologists", "mammogram", "screening", "a&e",
}  # fmt: skip
BODY = {
    "breast", "breasts", "chest", "armpit", "armpits", "arm", "arms", "hand", "hands", "leg",
    "legs", "hip", "hips", "rib", "ribs", "bone", "bones", "spine", "spinal", "neck", "head",
    "brain", "lung", "lungs", "liver", "bladder", "bowel", "bowels", "skin", "scar", "scars",
    "eye", "eyes", "face", "tummy", "stomach", "nipple", "nipples", "blood", "breath",
    "breathing", "voice", "whites", "pee", "poo", "joint", "joints", "knee", "knees", "wrist",
    "wrists", "foot", "feet",
}  # fmt: skip
SYMPTOMS = {
    "pain", "painful", "pains", "ache", "aches", "aching", "cough", "coughing", "lump",
    "lumps", "rash", "swelling", "swollen", "itchy", "numb", "numbness", "tingling", "weak",
    "weakness", "dizzy", "confusion", "headache", "headaches", "hoarse", "nausea", "sick",
    "vomit", "vomiting", "tired", "tiredness", "fatigue", "weeping", "leaking", "thickening",
    "yellowing", "appetite", "weight", "discomfort", "breathless", "bleeding", "stiff",
    "pins", "needles", "flushes", "sweats", "sleep",
}  # fmt: skip

BANNED = frozenset(CONDITIONS | SERVICES | BODY | SYMPTOMS)

_WORD = re.compile(r"[a-z&]+")


def health_words(text: str) -> set[str]:
    """The banned words in `text`, lower-cased (empty when the text is fit for a phone)."""
    return {w for w in _WORD.findall(text.lower()) if w in BANNED}


def is_clean(text: str) -> bool:
    return not health_words(text)
