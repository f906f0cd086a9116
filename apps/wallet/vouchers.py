"""vouchers of the wallet (to be filled)."""
