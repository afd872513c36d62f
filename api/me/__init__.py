"""The `me` resource."""
