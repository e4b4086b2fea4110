"""Unified social credit code (GB 32100-2015): alphabet, embedded organisation code, mod-31 check character."""

import random

import pytest
from stdnum.cn import uscc as stdnum_uscc  # LGPL, test-only cross-check

from fugong.reference import uscc
from fugong.reference.uscc import UsccError

VALID = "91350100M000100Y43"  # the issue's test vector
# Published codes of well-known companies (public business registrations), independent of our code:
PUBLISHED = ["914403001922038216", "9144030071526726XG", "91110000600037341L"]


def _failure(code) -> UsccError:
    with pytest.raises(UsccError) as info:
        uscc.validate(code)
    return info.value


def test_the_issue_vector_is_valid():
    uscc.validate(VALID)
    assert uscc.is_valid(VALID)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert uscc.is_valid(code)


def test_a_wrong_check_character_names_position_18_and_the_expected_character():
    error = _failure("91350100M000100Y4A")
    assert error.check == "check_character"
    assert "position 18: expected check character '3', found 'A'" in str(error)
    assert not uscc.is_valid("91350100M000100Y4A")


def test_a_wrong_organisation_code_check_is_reported_before_the_check_character():
    error = _failure("91350100M000100Y53")  # position 17 should be 4 (GB 11714)
    assert error.check == "organisation_code"
    assert "position 17" in str(error) and "'4'" in str(error)


def test_the_check_character_weights_are_powers_of_3_mod_31():
    assert uscc.WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def test_check_character_and_organisation_check_give_the_known_characters():
    assert uscc.check_character("91350100M000100Y4") == "3"
    assert uscc.organisation_check_character("M000100Y") == "4"
    assert uscc.organisation_check_character("71526726") == "X"  # value 10 is written X


def test_an_organisation_check_value_of_11_is_written_0():
    # 3*1 + 7*0 + ... + 2*4 = 11: 11 - (11 mod 11) = 11 -> '0'
    assert uscc.organisation_check_character("10000004") == "0"


@pytest.mark.parametrize("code", [VALID[:17], VALID + "0", VALID[:10], "9"])
def test_it_rejects_a_wrong_length(code):
    error = _failure(code)
    assert error.check == "length"
    assert f"found {len(code)}" in str(error)


def test_it_rejects_an_empty_code_as_a_length_error():
    error = _failure("")
    assert error.check == "length" and "empty" in str(error)


def test_it_rejects_lower_case_without_upper_casing_it():
    error = _failure(VALID.lower())
    assert error.check == "alphabet"
    assert "lower-case" in str(error) and "position(s) 9" in str(error)
    assert repr(VALID) in str(error)  # the hint shows the upper-case form
    assert not uscc.is_valid(VALID.lower())


@pytest.mark.parametrize("code", [" " + VALID, VALID + " ", VALID[:8] + " " + VALID[8:], VALID[:8] + "\t" + VALID[8:]])
def test_it_rejects_whitespace_without_stripping_it(code):
    error = _failure(code)
    assert error.check == "alphabet"
    assert "whitespace" in str(error) and "hint" in str(error)


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_it_rejects_each_letter_excluded_by_the_standard(letter):
    code = VALID[:15] + letter + VALID[16:]
    error = _failure(code)
    assert error.check == "alphabet"
    assert f"position 16: letter '{letter}'" in str(error)


@pytest.mark.parametrize("char", ["-", "#", "一", "Ａ"])
def test_it_rejects_characters_outside_the_alphabet(char):
    error = _failure(VALID[:10] + char + VALID[11:])
    assert error.check == "alphabet" and "position 11" in str(error)


def test_the_region_positions_must_be_digits():
    error = _failure("91A50100M000100Y43")
    assert error.check == "alphabet" and "positions 3–8" in str(error)


def test_region_and_organisation_code_are_read_from_a_valid_code():
    assert uscc.region_code(VALID) == "350100"
    assert uscc.organisation_code(VALID) == "M000100Y4"
    with pytest.raises(UsccError):
        uscc.region_code("91350100M000100Y4A")


def test_a_non_string_is_an_error_not_a_crash():
    assert not uscc.is_valid(913501)


def _random_code(rng: random.Random, *, valid_check: bool) -> str:
    head = rng.choice("159") + rng.choice("123") + "".join(rng.choice("0123456789") for _ in range(6))
    body = "".join(rng.choice(uscc.ALPHABET) for _ in range(8))
    first17 = head + body + uscc.organisation_check_character(body)
    last = stdnum_uscc.calc_check_digit(first17) if valid_check else rng.choice(uscc.ALPHABET)
    return first17 + last


def test_it_agrees_with_python_stdnum_on_generated_codes():
    rng = random.Random(20200210)
    for _ in range(3000):
        code = _random_code(rng, valid_check=rng.random() < 0.5)
        assert uscc.check_character(code[:17]) == stdnum_uscc.calc_check_digit(code[:17]), code
        assert uscc.is_valid(code) == stdnum_uscc.is_valid(code), code


def test_it_checks_the_embedded_organisation_code_which_stdnum_does_not():
    first17 = "91350100M000100Y5"  # organisation-code check should be 4
    code = first17 + stdnum_uscc.calc_check_digit(first17)
    assert stdnum_uscc.is_valid(code)
    assert _failure(code).check == "organisation_code"
