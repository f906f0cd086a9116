"""expiry of the wallet (to be filled)."""
