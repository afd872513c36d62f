"""The `agents` resource."""
