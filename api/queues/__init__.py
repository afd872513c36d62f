"""The `queues` resource."""
