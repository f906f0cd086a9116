import io

import pytest
from cryptography import x509
from django.core.management import call_command

from apps.identity import jpki
from apps.identity.jpki_testca import DemoCard


def test_the_command_makes_a_card_with_the_chosen_information_that_verifies(tmp_path, settings):
    settings.TAKAMATSU_JPKI_TRUST_ANCHORS = str(tmp_path / "ca.pem")
    settings.TAKAMATSU_JPKI_CRLS = [str(tmp_path / "ca.crl")]
    call_command(
        "make_test_cards", "--out", str(tmp_path), "--name", "hanako", "--holder-name", "屋島　花子",
        "--address", "香川県高松市屋島西町1番地", "--birth", "420000229", "--sex", "2", stdout=io.StringIO(),
    )  # fmt: skip
    card = DemoCard.load(tmp_path / "cards", "hanako")
    nonce = b"n" * 32
    identity = jpki.verify_card_signature(
        nonce=nonce, certificate=card.der, intermediates=[], signature=card.sign(nonce)
    )
    assert (
        identity.name == "屋島　花子" and identity.gender == "2" and str(identity.birth_date) == "2000-02-29"
    )
    assert identity.is_takamatsu_resident


def test_a_revoked_card_made_later_lands_in_the_crl(tmp_path, settings):
    settings.TAKAMATSU_JPKI_TRUST_ANCHORS = str(tmp_path / "ca.pem")
    settings.TAKAMATSU_JPKI_CRLS = [str(tmp_path / "ca.crl")]
    call_command("make_test_cards", "--out", str(tmp_path), "--name", "ok", stdout=io.StringIO())
    call_command(
        "make_test_cards", "--out", str(tmp_path), "--name", "gone", "--kind", "revoked", stdout=io.StringIO()
    )
    crl = x509.load_der_x509_crl((tmp_path / "ca.crl").read_bytes())
    gone = DemoCard.load(tmp_path / "cards", "gone")
    assert crl.get_revoked_certificate_by_serial_number(gone.certificate.serial_number) is not None
    with pytest.raises(jpki.JPKIError) as err:
        jpki.validate_chain(gone.der, [])
    assert err.value.code == "certificate_revoked"
    jpki.validate_chain(DemoCard.load(tmp_path / "cards", "ok").der, [])  # the earlier card still verifies
