"""pagoPA notice codes and the QR payload (shared/specs/backend-api.md)."""
import pytest
from hypothesis import given, strategies as st

from kiosk.pagopa import PagoPAError, PaymentNotice, check_digits_aux3, format_euro, validate_notice_code


def test_aux3_check_digits_are_the_first_16_digits_mod_93():
    first16 = "3010000000001234"
    assert check_digits_aux3(first16) == f"{3010000000001234 % 93:02d}" == "68"
    assert validate_notice_code(first16 + "68") == first16 + "68"


def test_a_wrong_check_digit_is_refused():
    with pytest.raises(PagoPAError, match="check digits"):
        validate_notice_code("3010000000001234" + "69")


@pytest.mark.parametrize("code, why", [
    ("30100000000012346", "18 digits"),
    ("2" + "0" * 17, "start with 0, 1 or 3"),
    ("30100000000012346A", "18 digits"),
    ("３" * 18, "18 digits"),  # full-width digits are not ASCII digits
])
def test_malformed_notice_codes_say_what_is_wrong(code, why):
    with pytest.raises(PagoPAError, match=why):
        validate_notice_code(code)


def test_aux_0_and_1_have_no_mod93_rule_in_the_contract():
    assert validate_notice_code("0" + "12345678901234567")
    assert validate_notice_code("1" + "12345678901234567")


def test_spaces_as_printed_on_notices_are_accepted():
    n = PaymentNotice("3010 0000 0000 1234 68", "01234567890", 1600)
    assert n.notice_code == "301000000000123468"
    assert n.grouped_notice_code() == "3010 0000 0000 1234 68"


def test_qr_payload_format():
    n = PaymentNotice("301000000000123468", "01234567890", 1600, "Diritti")
    assert n.qr_payload() == "PAGOPA|002|301000000000123468|01234567890|1600"


@pytest.mark.parametrize("payee, amount", [("0123456789", 100), ("0123456789X", 100), ("01234567890", 0),
                                           ("01234567890", -5), ("01234567890", 12.5), ("01234567890", True)])
def test_bad_payee_or_amount_is_refused(payee, amount):
    with pytest.raises(PagoPAError):
        PaymentNotice("301000000000123468", payee, amount)


def test_from_dict_names_missing_fields():
    with pytest.raises(PagoPAError, match="amount_cents"):
        PaymentNotice.from_dict({"notice_code": "301000000000123468", "payee_tax_code": "01234567890"})


def test_euro_format_is_italian():
    assert format_euro(1600) == "€ 16,00"
    assert format_euro(123456) == "€ 1.234,56"
    assert format_euro(5) == "€ 0,05"


@given(st.from_regex(r"3[0-9]{15}", fullmatch=True), st.integers(0, 99))
def test_only_the_right_check_digits_validate(first16, check):
    code = first16 + f"{check:02d}"
    if check == int(first16) % 93:
        assert validate_notice_code(code) == code
    else:
        with pytest.raises(PagoPAError):
            validate_notice_code(code)
