"""Chinese full-text search over demands, the same on SQLite and PostgreSQL: character bigrams.

SQLite's FTS5 tokenizers do not find two-character Chinese words (unicode61 keeps a run of Han
characters as one token; trigram needs three characters), and PostgreSQL's parsers do not segment
Chinese at all. So the desk indexes terms itself, in an ordinary table both databases share:

    "急需口罩500只" → 急需 需口 口罩 罩5 … plus the ASCII word "500"    (desk_term rows)

A query is split the same way; a demand matches when it has every term of the query (an index
lookup per term), and the candidates are then checked against the text itself, so "口罩厂" does not
match "口罩、厂房". A one-character query ("税") is answered by the
exact check alone (``text LIKE '%税%'``).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fugong.desk.models import Demand, Term

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-z]+")


def normalise(text: str) -> str:
    """NFKC (full-width Ａ１ → A1) and lower case, so that a query matches however it was typed."""
    return unicodedata.normalize("NFKC", text or "").lower()


def terms(text: str) -> set[str]:
    """The index terms of a text: bigrams of every run of Han characters (a lone character stands for
    itself) and ASCII words of letters and digits, at most 40 characters each."""
    text = normalise(text)
    out: set[str] = set()
    for run in _HAN.findall(text):
        if len(run) == 1:
            out.add(run)
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    out.update(word[:40] for word in _WORD.findall(text))
    return out


def index_demand(session: Session, demand: Demand) -> None:
    """(Re)write a demand's terms (its text and policy reference)."""
    session.query(Term).filter(Term.demand_id == demand.id).delete(synchronize_session=False)
    session.add_all(Term(demand_id=demand.id, term=term)
                    for term in sorted(terms(f"{demand.text} {demand.policy_ref or ''}")))


def matching_ids(query: str):
    """A subquery of the ids of demands having every term of ``query``, or None when the query has no
    term of two or more characters (a lone Han character is then found by the exact check alone)."""
    wanted = {t for t in terms(query) if len(t) > 1 or not _HAN.match(t)}
    if not wanted:
        return None
    return (select(Term.demand_id).where(Term.term.in_(sorted(wanted))).group_by(Term.demand_id)
            .having(func.count() == len(wanted)))


def pieces(query: str) -> list[str]:
    """What the exact check looks for in the text: the query's runs of Han characters (NFKC leaves
    them as typed). ASCII words need no check: they are whole terms of the index."""
    return _HAN.findall(normalise(query))


def searchable(query: str) -> bool:
    return bool(terms(query))


def text_matches(demand_text: str, query: str) -> bool:
    """The exact check: every Han run and word of the query occurs in the text as typed."""
    haystack = normalise(demand_text)
    return all(piece in haystack for piece in pieces(query))
