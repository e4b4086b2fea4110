"""Display names of codes the pages show (levels, sizes, colours, roles, states), in both languages.

Interface words are messages (``N_`` marks them for the catalogue; templates translate them with
``_(labels.SIZES[code])``). Names that live in data files with their own English — GB/T 4754
sections, industry categories — are read from those files.
"""

from __future__ import annotations

from functools import lru_cache

from fugong.web.i18n import N_, translator

LEVELS = {
    "province": N_("Province"), "city": N_("City"), "county": N_("County"),
    "section": N_("Industry section"), "category": N_("Industry category"), "size": N_("Enterprise size"),
    "enterprise": N_("Enterprises"),
}
SIZES = {"large": N_("Large"), "medium": N_("Medium"), "small": N_("Small"), "micro": N_("Micro")}
COLOURS = {"green": N_("Green code"), "yellow": N_("Yellow code"), "red": N_("Red code"),
           "none": N_("No declaration yet")}
ROLES = {
    "province_admin": N_("Province administrator"), "officer": N_("Command-centre officer"),
    "department": N_("Department staff"), "service_officer": N_("Service officer"),
    "enterprise": N_("Enterprise user"), "grid_analyst": N_("Grid analyst"),
    "gate_staff": N_("Gate staff"), "person": N_("Member of the public"), "system": N_("System"),
}
LIST_KINDS = {"confirmed": N_("Confirmed case"), "suspected": N_("Suspected case"),
              "close_contact": N_("Close contact"), "quarantine": N_("Under quarantine")}
STATUSES = {"open": N_("Open"), "upheld": N_("Upheld"), "rejected": N_("Rejected"),
            "pending": N_("Waiting for a second officer"), "approved": N_("Approved")}
# What a form post did, shown on the page it returns to (``?done=``).
DONE = {
    "declared": N_("Your declaration is saved; your code is below."),
    "checked_in": N_("Your check-in is saved."),
    "appealed": N_("Your appeal is filed; an officer of your region will decide it."),
    "upheld": N_("Appeal upheld: a manual change now waits for a second officer."),
    "rejected": N_("Rejected."),
    "requested": N_("Manual change requested: a second, different officer must approve it."),
    "approved": N_("Approved: the colour has changed."),
    "created": N_("User created."),
    "disabled": N_("User disabled: their sessions and tokens stop working."),
    "enabled": N_("User enabled."),
    "password": N_("Password changed: the user's older sessions end."),
    "scope": N_("Scope changed."),
    "signed_out": N_("Signed out everywhere: every open session of the user has ended."),
}
DONE_DEFAULT = N_("Saved.")
RESUMED = {True: N_("resumed"), False: N_("not resumed"), None: N_("no reading")}
# A county's enterprise list (dashboard.service county_enterprises): cohorts and the idle-suspect flags.
COHORTS = {"resumed": N_("resumed"), "not-resumed": N_("not resumed"), "never-stopped": N_("never stopped"),
           "ineligible": N_("ineligible (no baseline)")}
FLAGS = {"idle_suspect": N_("suspected idle"), "never_stopped": N_("never stopped over the Spring Festival"),
         "flat_profile": N_("flat load profile"), "night_jump": N_("night load jumped"),
         "near_threshold": N_("just above the threshold"), "not_reporting": N_("no reading that day")}
# Data-freshness warnings of the overview (dashboard.service.freshness codes); placeholders from the warning.
WARNINGS = {
    "no_index": N_("The resumption index has not been computed."),
    "index_missing_day": N_("No index results for the as-of day (newest: %(last)s)."),
    "no_meters": N_("The meter store is empty."),
    "meters_stale": N_("Meter data is %(days)s days old (newest: %(last)s)."),
    "no_grading": N_("No risk grading yet."),
    "grading_stale": N_("Risk grading is %(days)s days old (newest: %(last)s)."),
}
SYMPTOMS = {
    "fatigue": N_("Fatigue"), "dry_cough": N_("Dry cough"), "cough": N_("Cough"), "sore_throat": N_("Sore throat"),
    "nasal_congestion": N_("Nasal congestion"), "runny_nose": N_("Runny nose"),
    "shortness_of_breath": N_("Shortness of breath"), "diarrhoea": N_("Diarrhoea"), "muscle_pain": N_("Muscle pain"),
    "loss_of_smell_or_taste": N_("Loss of smell or taste"),
}


@lru_cache(maxsize=256)
def _section(code: str, lang: str) -> str:
    from fugong.reference.industries import get

    try:
        industry = get(code)
    except Exception:  # noqa: BLE001 - an unknown code shows as itself
        return ""
    return industry.name_en if lang == "en" else industry.name_zh


@lru_cache(maxsize=256)
def _category(code: str, lang: str) -> str:
    from fugong.reference.industries import DEFAULT_CATEGORY_SET, load_categories

    try:
        category = load_categories(DEFAULT_CATEGORY_SET).get(code)
    except Exception:  # noqa: BLE001
        return ""
    return category.name_en if lang == "en" else category.name_zh


def group_name(level: str | None, code: str | None, name: str | None, lang: str) -> str:
    """The name of an aggregate (region, section, category, size) in ``lang``; the code when unknown."""
    code = str(code or "")
    if level in ("province", "city", "county"):
        return translator(lang).name("region", name) if name else code
    if level in ("section", "industry"):
        return _section(code, lang) or name or code
    if level == "category":
        return _category(code, lang) or name or code
    if level == "size":
        return translator(lang)(SIZES[code]) if code in SIZES else (name or code)
    return name or code
