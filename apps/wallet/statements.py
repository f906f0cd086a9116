"""statements of the wallet (to be filled)."""
