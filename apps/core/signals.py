"""Signals that lower apps send so that higher apps (the wallet's campaigns) can react without an import.

Receivers run in the sender's database transaction: a receiver that writes must use its own savepoint
and must never make the sender fail.
"""

from django.dispatch import Signal

# A person's identity was verified with the My Number card (JPKI or the digital authentication app).
# Arguments: user.
identity_verified = Signal()

# A procedure prepared online was completed (e.g. a counter request was issued at the counter).
# Arguments: user, reference (stable and unique per procedure, at most 64 characters).
procedure_completed = Signal()
