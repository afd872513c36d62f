"""The `requirements` resource."""
