"""The `sites` resource."""
