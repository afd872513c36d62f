"""The `history` resource."""
