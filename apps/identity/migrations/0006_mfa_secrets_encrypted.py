"""Encrypt the second-factor secrets allauth stored in the clear (issue 15, low): TOTP keys, recovery-code
seeds and migrated codes, as apps.identity.mfa.MFAAdapter now writes them."""

from django.db import migrations

from apps.identity.mfa import secret_encrypt


def encrypt_stored_secrets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]).iterator():
        data = dict(authenticator.data)
        for field in ("secret", "seed"):
            if isinstance(data.get(field), str):
                data[field] = secret_encrypt(data[field])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [secret_encrypt(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0005_card_in_one_account"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_stored_secrets, migrations.RunPython.noop)]
