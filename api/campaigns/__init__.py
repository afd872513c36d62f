"""The `campaigns` resource."""
