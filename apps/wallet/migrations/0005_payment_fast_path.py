"""The payment as one PostgreSQL function: one round trip, committed by the statement itself.

`wallet_pay` does what `services.ledger_post` does for a payment (SQLite, the embedded default, keeps using
that Python path): the transaction row under its unique idempotency key, the resident's debit (guarded by the
CHECK on the balance), the lots closest to expiry, both entries, and the merchant's credit. It never checks
a balance in its own code: the CHECK constraints refuse, the exception rolls everything back.

- A key that is already taken writes nothing and returns the stored transaction (`replay`): `ON CONFLICT DO
  NOTHING` waits for a concurrent insert of the same key, so the caller sees the winner's committed row.
- Accounts are locked resident first, then the others by primary key (the order `ledger_post` uses): a hot
  merchant or system account is locked last, so it is held only for the end of the function and the commit.
- Lots are read after the resident's row is locked (every change of lots happens under that lock), in a new
  statement, hence a new snapshot that sees what the previous holder of the lock committed.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION wallet_pay(
  p_tx uuid, p_key varchar, p_hash varchar, p_owner bigint, p_merchant varchar, p_amount bigint,
  p_now timestamptz
) RETURNS TABLE (status text, merchant_id bigint, balance bigint, tx_id uuid, tx_hash varchar,
                 tx_created_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_merchant bigint;
  v_payer bigint;
  v_payee bigint;
  v_balance bigint;
  v_taken bigint;
BEGIN
  SELECT m.id,
         (SELECT a.id FROM wallet_account a WHERE a.merchant_id = m.id),
         (SELECT a.id FROM wallet_account a WHERE a.owner_id = p_owner)
    INTO v_merchant, v_payee, v_payer
    FROM wallet_merchant m WHERE m.code = p_merchant AND m.active;
  IF v_merchant IS NULL THEN
    RETURN QUERY SELECT 'unknown_merchant', NULL::bigint, NULL::bigint, NULL::uuid, NULL::varchar,
                        NULL::timestamptz;
    RETURN;
  END IF;

  IF (v_payer IS NULL OR v_payee IS NULL)
     AND NOT EXISTS (SELECT 1 FROM wallet_transaction t WHERE t.idempotency_key = p_key) THEN
    -- Nothing written: the caller opens the accounts and asks again (a known key is a replay below).
    RETURN QUERY SELECT 'no_account', v_merchant, NULL::bigint, NULL::uuid, NULL::varchar, NULL::timestamptz;
    RETURN;
  END IF;

  INSERT INTO wallet_transaction (id, kind, idempotency_key, request_hash, created_at)
    VALUES (p_tx, 'payment', p_key, p_hash, p_now)
    ON CONFLICT (idempotency_key) DO NOTHING;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'replay', v_merchant,
                        (SELECT a.balance FROM wallet_account a WHERE a.id = v_payer), t.id, t.request_hash,
                        t.created_at
                   FROM wallet_transaction t WHERE t.idempotency_key = p_key;
    RETURN;
  END IF;
  IF v_payer IS NULL OR v_payee IS NULL THEN
    -- The key was free after all (its first holder rolled back): the caller opens the accounts, asks again.
    RAISE EXCEPTION 'wallet_account_missing' USING ERRCODE = 'check_violation';
  END IF;

  UPDATE wallet_account SET balance = wallet_account.balance - p_amount WHERE id = v_payer
    RETURNING wallet_account.balance INTO v_balance;

  WITH open AS (
    SELECT l.id, l.remaining, (SUM(l.remaining) OVER (ORDER BY l.expires_at, l.id))::bigint AS upto
      FROM wallet_lot l
     WHERE l.account_id = v_payer AND l.remaining > 0 AND l.expires_at > p_now
  ), take AS (
    SELECT o.id, LEAST(o.remaining, p_amount - (o.upto - o.remaining)) AS amount
      FROM open o WHERE o.upto - o.remaining < p_amount
  ), moved AS (
    UPDATE wallet_lot l SET remaining = l.remaining - t.amount FROM take t WHERE l.id = t.id
    RETURNING l.id, t.amount
  ), used AS (
    INSERT INTO wallet_lotuse (transaction_id, lot_id, amount) SELECT p_tx, m.id, m.amount FROM moved m
    RETURNING amount
  )
  SELECT COALESCE(SUM(u.amount), 0)::bigint INTO v_taken FROM used u;
  IF v_taken <> p_amount THEN
    -- The balance covered it only with points past their expiry.
    RAISE EXCEPTION 'wallet_lots_insufficient' USING ERRCODE = 'check_violation';
  END IF;

  INSERT INTO wallet_entry (transaction_id, account_id, amount, created_at)
    VALUES (p_tx, v_payer, -p_amount, p_now), (p_tx, v_payee, p_amount, p_now);
  UPDATE wallet_account SET balance = wallet_account.balance + p_amount WHERE id = v_payee;

  RETURN QUERY SELECT 'paid', v_merchant, v_balance, p_tx, p_hash, p_now;
END $$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS wallet_pay(uuid, varchar, varchar, bigint, varchar, bigint, timestamptz);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0004_campaigns_lots_vouchers_settlements")]
    operations = [migrations.RunPython(forward, backward)]
