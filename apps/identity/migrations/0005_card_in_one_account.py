"""One card, one account, decided by the database (issue 15, item 2).

Before the constraint can hold, a card that verified more than one account (two verifications at the same
moment both passed the check that ran before the write) keeps only its first verification: the later ones
are removed, so those accounts are unverified again and can verify with their own card. Their attempts stay
in the audit log.
"""

from django.db import migrations, models
from django.db.models import Count


def keep_the_first_verification_of_each_card(apps, schema_editor):
    IdentityVerification = apps.get_model("identity", "IdentityVerification")
    shared = (
        IdentityVerification.objects.exclude(card_hash="")
        .values("card_hash")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("card_hash", flat=True)
    )
    for hashed in list(shared):
        rows = IdentityVerification.objects.filter(card_hash=hashed).order_by("verified_at", "pk")
        first = rows.first()
        rows.exclude(pk=first.pk).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0004_revocation_list"),
    ]

    operations = [
        migrations.RunPython(keep_the_first_verification_of_each_card, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="identityverification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("card_hash", ""), _negated=True),
                fields=("card_hash",),
                name="identity_verification_card_in_one_account",
            ),
        ),
    ]
