import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.identity.jpki_testca import CardHolder, DemoCA, build_test_pki


class Command(BaseCommand):
    help = (
        "Make a test CA, test My Number cards and a CRL (development and tests only). Without --name, writes "
        "the standard set (valid Takamatsu and non-Takamatsu cards, expired, revoked, without 基本4情報)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", default="", help="folder (default: the demo PKI folder of these settings)"
        )
        parser.add_argument("--name", help="file name of one card to add, e.g. hanako")
        parser.add_argument("--holder-name", default="高松　太郎", help="氏名 with a full-width space")
        parser.add_argument("--address", default="香川県高松市番町一丁目8番15号")
        parser.add_argument("--birth", default="319800217", help="EYYYYMMDD (era digit + date)")
        parser.add_argument("--sex", default="1", help="1 male, 2 female, other codes kept as given")
        parser.add_argument(
            "--kind", choices=["valid", "expired", "revoked", "no-basic-info"], default="valid"
        )

    def handle(self, *args, out, name, holder_name, address, birth, sex, kind, **options):
        if not settings.TAKAMATSU_DEMO:
            raise CommandError("Test cards are for development and tests only (TAKAMATSU_DEMO is off).")
        folder = Path(out or getattr(settings, "DEMO_PKI_DIR", "") or "var/test-pki")
        if not name:
            paths = build_test_pki(folder)
            self.stdout.write(
                f"trust anchors: {paths['trust_anchors']}\nCRL: {paths['crl']}\ncards: {paths['cards']}"
            )
            return
        ca = DemoCA.load_or_create(folder)
        now = dt.datetime.now(dt.UTC)
        holder = CardHolder(name=holder_name, address=address, birth=birth, gender=sex)
        if kind == "expired":
            card = ca.issue_card(
                name, holder, not_before=now - dt.timedelta(days=1830), not_after=now - dt.timedelta(days=1)
            )
        else:
            card = ca.issue_card(name, holder, with_basic_info=kind != "no-basic-info")
        if kind == "revoked":
            ca.revoke(card)
        card.save(folder / "cards")
        ca.save(folder)
        self.stdout.write(f"card {name} ({kind}) in {folder / 'cards'}; CA and CRL in {folder}")
