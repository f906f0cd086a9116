import logging

import pytest
from django.core.exceptions import ValidationError

from apps.core.mynumber import (
    MASK,
    MyNumberMaskingFilter,
    check_digit,
    contains_my_number,
    is_my_number,
    mask_my_numbers,
    validate_no_my_number,
)


def make_number(first_eleven: str = "12345678901") -> str:
    return first_eleven + str(check_digit(first_eleven))


VALID = make_number()


def test_the_check_digit_follows_the_ordinance():
    # Worked example: weights 6,5,4,3,2,7,6,5,4,3,2 over 1..1 → sum 47 + ... computed independently here.
    digits = "12345678901"
    total = sum(int(d) * w for d, w in zip(digits, (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    r = total % 11
    assert check_digit(digits) == (0 if r <= 1 else 11 - r)
    assert is_my_number(VALID)
    wrong = VALID[:11] + str((int(VALID[11]) + 1) % 10)
    assert not is_my_number(wrong)


@pytest.mark.parametrize(
    "text",
    [
        VALID,
        f"番号は{VALID}です",
        f"{VALID[:4]} {VALID[4:8]} {VALID[8:]}",
        f"{VALID[:4]}-{VALID[4:8]}-{VALID[8:]}",
        VALID.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        f"{VALID[:4]}　{VALID[4:8]}　{VALID[8:]}",
    ],
)
def test_it_finds_a_valid_number_however_it_is_typed(text):
    assert contains_my_number(text)
    with pytest.raises(ValidationError, match="個人番号"):
        validate_no_my_number(text)


@pytest.mark.parametrize(
    "text",
    ["", "087-839-2011", VALID[:11], VALID + "3", "1" + VALID, VALID[:11] + str((int(VALID[11]) + 1) % 10)],
)
def test_it_leaves_other_numbers_alone(text):
    assert not contains_my_number(text)
    validate_no_my_number(text)


def test_the_logging_filter_masks_the_message_and_its_arguments():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user typed %s in %s", (VALID, "q"), None)
    MyNumberMaskingFilter().filter(record)
    assert VALID not in record.getMessage()
    assert MASK in record.getMessage()
    assert mask_my_numbers(f"a {VALID} b") == f"a {MASK} b"


def test_the_configured_log_handlers_mask_numbers():
    handler = logging.getLogger().handlers[0]
    assert any(isinstance(f, MyNumberMaskingFilter) for f in handler.filters)
