"""The `segments` resource."""
