"""GB 11643 resident ID numbers: check character, birth date and form, cross-checked with python-stdnum."""

import pytest
from stdnum.cn import ric

from fugong.healthcode.people import InvalidIdentity, id_check_character, normalise_id
from tests.healthcode.helpers import make_id


@pytest.mark.parametrize("n", range(0, 40))
def test_the_check_character_agrees_with_python_stdnum(n):
    body = f"3301061990010{n:04d}"
    assert id_check_character(body) == ric.calc_check_digit(body + "0")


def test_the_published_sample_number_is_valid_including_a_check_x():
    assert normalise_id("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("bad", ["", "12345", "330106199013011230", "33010619900101123", "3301061990010112AA"])
def test_malformed_numbers_are_refused(bad):
    with pytest.raises(InvalidIdentity):
        normalise_id(bad)


def test_a_wrong_check_character_is_refused():
    good = make_id(5)
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(InvalidIdentity):
        normalise_id(wrong)
