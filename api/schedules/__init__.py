"""The `schedules` resource."""
