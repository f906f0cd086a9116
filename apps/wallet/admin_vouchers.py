"""Admin: vouchers."""
