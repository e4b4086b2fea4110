"""Full-text search over demands finds two-character Chinese words (口罩, 物流) the same way on SQLite and
PostgreSQL — by character bigrams in an ordinary table — and never shows another region's demands."""

from fugong.desk import search, service
from tests.desk.helpers import CONTACT, HZ_OFFICER, TRIAGE, build_world, firm_user


def _texts(session, principal, query):
    total, page = service.list_demands(session, principal, query=query)
    assert total == len(page)
    return sorted(d.text for d in page)


def test_two_character_words_are_found_and_near_misses_are_not(session):
    build_world(session)
    for enterprise_id, text in (("E-WH-1", "复工急需医用口罩2000只"), ("E-WH-2", "物流停运，成品无法发货"),
                                ("E-WH-3", "货车无法进入园区，物流受阻；口罩也不够"), ("E-WH-4", "罩口问题"),
                                ("E-WH-1", "申请ＶＡＴ留抵退税 Tax refund")):
        service.submit_demand(session, CONTACT, enterprise_id=enterprise_id, category="other", text=text)
    service.submit_demand(session, HZ_OFFICER, enterprise_id="E-HZ-1", category="other", text="口罩和物流都紧张")
    assert _texts(session, TRIAGE, "口罩") == ["复工急需医用口罩2000只", "货车无法进入园区，物流受阻；口罩也不够"]
    assert _texts(session, TRIAGE, "物流") == ["物流停运，成品无法发货", "货车无法进入园区，物流受阻；口罩也不够"]
    assert _texts(session, TRIAGE, "物流 口罩") == ["货车无法进入园区，物流受阻；口罩也不够"]
    assert _texts(session, TRIAGE, "医用口罩") == ["复工急需医用口罩2000只"]
    assert _texts(session, TRIAGE, "用口罩医") == []           # every bigram but not in that order: no match
    assert _texts(session, TRIAGE, "vat") == ["申请ＶＡＴ留抵退税 Tax refund"]  # full-width letters, any case
    assert _texts(session, TRIAGE, "税") == ["申请ＶＡＴ留抵退税 Tax refund"]   # one character
    assert _texts(session, HZ_OFFICER, "口罩") == ["口罩和物流都紧张"]             # Hangzhou sees only its own
    assert _texts(session, firm_user("E-WH-4"), "口罩") == []


def test_the_terms_are_character_bigrams_and_words():
    assert search.terms("急需口罩500只") == {"急需", "需口", "口罩", "只", "500"}
    assert search.terms("Ｍask 口") == {"mask", "口"}
