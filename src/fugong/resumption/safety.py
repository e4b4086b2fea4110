"""Safety-critical posts (Nanjing, seed 001): an approval goes to re-assessment when a post is uncovered.

南京: "对因为隔离等因素致使企业安全管理负责人、特种作业岗位人员不能到岗的，安全生产监管部门要重新评估开工复工前的
安全生产条件". Every certificate type held by a safety-critical employee of the roster is a post that
must be covered: at least one holder who is not quarantined, sick or gone, whose health code is not
yellow or red — and, once the enterprise has declared itself resumed, who is on site.

``check_enterprise`` runs after every roster change and every health-code colour change of a linked
person (a job queued in the colour change's transaction, see fugong.resumption.jobs); an uncovered
post sends each live approval (provisional, approved, resumed) to ``reassessment`` with the reason —
which post, which holders and why — for the county officer to reinstate or revoke.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.resumption.models import CERTIFICATES, STATUSES, Employee, Filing

UNAVAILABLE_STATUSES = ("quarantined", "sick", "left")
UNAVAILABLE_COLOURS = {"yellow": ("黄码", "yellow code"), "red": ("红码", "red code")}
LIVE_STATES = ("provisionally_approved", "approved", "resumed")


def coverage(session: Session, *, enterprise_id: str, on_site: bool = False) -> list[dict]:
    """Per certificate type of the roster: its holders, whether one is available, and why not.

    [{"certificate": "safety_manager", "zh": "安全管理负责人", "en": "safety manager", "covered": False,
      "holders": [{"employee_no": "A01", "name": "张*", "issues_zh": ["隔离中"], "issues_en": ["quarantined"]}]}]
    """
    from fugong.resumption.roster import colours_on

    staff = list(session.scalars(select(Employee).where(Employee.enterprise_id == enterprise_id,
                                                        Employee.certificate.is_not(None))
                                 .order_by(Employee.employee_no)))
    return coverage_of(staff, colours_on(session, [e.person_id for e in staff]), on_site=on_site)


def coverage_of(staff, colours: dict, *, on_site: bool = False) -> list[dict]:
    """``coverage`` from an enterprise's roster rows (any order) and {person id: colour} of them."""
    from fugong.healthcode.people import mask_name

    staff = sorted((e for e in staff if e.certificate is not None), key=lambda e: e.employee_no)
    out = []
    for certificate in sorted({e.certificate for e in staff}):
        holders, covered = [], False
        for e in (e for e in staff if e.certificate == certificate):
            issues_zh, issues_en = [], []
            if e.status in UNAVAILABLE_STATUSES:
                issues_zh.append(STATUSES[e.status][0])
                issues_en.append(STATUSES[e.status][1])
            elif on_site and e.status != "on_site":
                issues_zh.append(f"{STATUSES[e.status][0]}（未到岗）")
                issues_en.append(f"{STATUSES[e.status][1]} (not on site)")
            colour = colours.get(e.person_id) if e.person_id else None
            if colour in UNAVAILABLE_COLOURS:
                issues_zh.append(UNAVAILABLE_COLOURS[colour][0])
                issues_en.append(UNAVAILABLE_COLOURS[colour][1])
            covered = covered or not issues_zh
            holders.append({"employee_no": e.employee_no, "name": mask_name(e.name), "post": e.post,
                            "issues_zh": issues_zh, "issues_en": issues_en})
        out.append({"certificate": certificate, "zh": CERTIFICATES[certificate][0], "en": CERTIFICATES[certificate][1],
                    "covered": covered, "holders": holders})
    return out


def uncovered_reason(items: list[dict]) -> tuple[str, str] | None:
    """The re-assessment reason (zh, en) naming every uncovered post and its holders, or None."""
    missing = [i for i in items if not i["covered"]]
    if not missing:
        return None
    zh = "；".join(f"{i['zh']}无人可到岗（" + "，".join(f"{h['name']}：{'、'.join(h['issues_zh'])}" for h in i["holders"]) + "）"
                  for i in missing)
    en = "; ".join(f"no {i['en']} available (" + ", ".join(f"{h['name']}: {', '.join(h['issues_en'])}" for h in i["holders"]) + ")"
                   for i in missing)
    return f"安全生产关键岗位须重新评估：{zh}", f"safety-critical post(s) need re-assessment: {en}"


def check_enterprise(session: Session, *, enterprise_id: str, day: dt.date | None = None) -> list[str]:
    """Send the enterprise's live approvals to re-assessment if a safety-critical post is uncovered;
    returns the ids of the filings moved."""
    from fugong.access import Principal
    from fugong.resumption import filings

    live = list(session.scalars(select(Filing).where(Filing.enterprise_id == enterprise_id,
                                                     Filing.state.in_(LIVE_STATES))))
    moved = []
    for filing in live:
        reason = uncovered_reason(coverage(session, enterprise_id=enterprise_id, on_site=filing.state == "resumed"))
        if reason is None:
            continue
        system = Principal(user_id="safety-check", role="system")
        filings.move(session, filing, action="reassess", principal=system, reason=f"{reason[0]} / {reason[1]}",
                     data={"safety": coverage(session, enterprise_id=enterprise_id, on_site=filing.state == "resumed")})
        moved.append(filing.id)
    return moved
