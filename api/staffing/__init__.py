"""The `staffing` resource."""
