"""Admin: merchants."""
