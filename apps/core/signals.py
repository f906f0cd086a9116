"""Signals that lower apps send so that higher apps (the wallet's campaigns) can react without an import.

Receivers run in the sender's database transaction: a receiver that writes must use its own savepoint
and must never make the sender fail.
"""

from dataclasses import dataclass

from django.dispatch import Signal

# A person's identity was verified with the My Number card (JPKI or the digital authentication app).
# Arguments: user.
identity_verified = Signal()

# A procedure prepared online was completed (e.g. a counter request was issued at the counter).
# Arguments: user, reference (stable and unique per procedure, at most 64 characters).
procedure_completed = Signal()

# Before an account is deleted (to show on the confirmation page, and again when deleting). Arguments:
# user. Each receiver returns a list of AccountDeletionNote: what the person loses (blocks=False), or
# what must be settled first (blocks=True), e.g. money the city still owes or is still to receive.
account_deletion_check = Signal()


@dataclass(frozen=True)
class AccountDeletionNote:
    message: str
    blocks: bool = False


def account_deletion_notes(*, user) -> list[AccountDeletionNote]:
    replies = account_deletion_check.send(sender=None, user=user)
    return [note for _receiver, notes in replies for note in notes]
