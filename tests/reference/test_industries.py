"""GB/T 4754-2017 sections and divisions: the table, lookups, and section_of for any level of code."""

import pytest

from fugong.reference import industries
from fugong.reference.industries import UnknownIndustry

# The standard's sections and their division ranges (GB/T 4754-2017).
SECTION_RANGES = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}  # fmt: skip


def test_it_has_the_20_sections_a_to_t_in_order():
    assert [s.code for s in industries.sections()] == list("ABCDEFGHIJKLMNOPQRST")
    assert all(s.level == "section" and s.section == s.code for s in industries.sections())


def test_it_has_the_97_divisions_01_to_97_in_order():
    assert [d.code for d in industries.divisions()] == [f"{n:02d}" for n in range(1, 98)]
    assert all(d.level == "division" for d in industries.divisions())


@pytest.mark.parametrize("section", SECTION_RANGES)
def test_each_division_sits_in_its_section_of_the_standard(section):
    first, last = SECTION_RANGES[section]
    got = [d.code for d in industries.divisions() if d.section == section]
    assert got == [f"{n:02d}" for n in range(first, last + 1)]


def test_every_entry_has_a_chinese_and_an_english_name():
    for entry in industries.sections() + industries.divisions():
        assert entry.name_zh.strip() and entry.name_en.strip(), entry
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.name_zh), entry
        assert entry.name_en.isascii(), entry


def test_it_carries_the_names_of_the_standard():
    assert industries.get("C").name_zh == "制造业"
    assert industries.get("C").name_en == "Manufacturing"
    assert industries.get("27").name_zh == "医药制造业"
    assert industries.get("37").name_zh == "铁路、船舶、航空航天和其他运输设备制造业"
    assert industries.get("44").name_zh == "电力、热力生产和供应业"
    assert industries.get("79").name_zh == "土地管理业"
    assert industries.get("97").name_en == "International organizations"


def test_get_accepts_a_division_with_its_section_letter():
    assert industries.get("C37") == industries.get("37")


@pytest.mark.parametrize(
    ("code", "section"),
    [("3731", "C"), ("C3731", "C"), ("373", "C"), ("37", "C"), ("C", "C"), ("01", "A"), ("0111", "A"),
     ("4411", "D"), ("7010", "K"), ("9700", "T"), ("T", "T"), (" 3825 ", "C")],
)  # fmt: skip
def test_section_of_reads_a_section_division_group_or_class_code(code, section):
    assert industries.section_of(code) == section


def test_division_of_takes_the_first_two_digits():
    assert industries.division_of("C3731") == "37"
    assert industries.division_of("0111") == "01"


@pytest.mark.parametrize("code", ["98", "00", "U", "", "3", "12345", "X3731", "A3731", "c3731", "37a", "三七"])
def test_it_rejects_codes_that_are_not_in_the_standard(code):
    with pytest.raises(UnknownIndustry):
        industries.section_of(code)


def test_unknown_industry_is_a_lookup_error_naming_the_code():
    with pytest.raises(LookupError, match="98"):
        industries.get("98")


def test_a_section_letter_that_contradicts_the_division_is_named():
    with pytest.raises(UnknownIndustry, match="section C"):
        industries.section_of("A3731")
