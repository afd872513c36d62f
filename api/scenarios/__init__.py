"""What-if scenarios."""
