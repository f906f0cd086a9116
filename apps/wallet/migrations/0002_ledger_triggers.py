"""Ledger rules enforced by PostgreSQL itself (SQLite, the embedded default, relies on the services).

- Every transaction's entries sum to zero: a DEFERRABLE INITIALLY DEFERRED constraint trigger checks it at
  commit, so the legs of one transaction can be inserted one by one.
- Entries are append-only: UPDATE and DELETE on them are refused (corrections are reversing transactions).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION wallet_check_transaction_balanced() RETURNS trigger AS $$
DECLARE total bigint;
BEGIN
  SELECT COALESCE(SUM(amount), 0) INTO total FROM wallet_entry WHERE transaction_id = NEW.transaction_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'wallet transaction % does not balance (sum %)', NEW.transaction_id, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER wallet_entry_balanced
  AFTER INSERT ON wallet_entry DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION wallet_check_transaction_balanced();

CREATE OR REPLACE FUNCTION wallet_entry_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'wallet entries are append-only; post a reversing transaction' USING ERRCODE = 'restrict_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER wallet_entry_no_update_delete
  BEFORE UPDATE OR DELETE ON wallet_entry
  FOR EACH ROW EXECUTE FUNCTION wallet_entry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS wallet_entry_no_update_delete ON wallet_entry;
DROP FUNCTION IF EXISTS wallet_entry_append_only();
DROP TRIGGER IF EXISTS wallet_entry_balanced ON wallet_entry;
DROP FUNCTION IF EXISTS wallet_check_transaction_balanced();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
