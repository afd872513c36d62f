"""The `jobs` resource."""
