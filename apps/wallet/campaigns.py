"""campaigns of the wallet (to be filled)."""
