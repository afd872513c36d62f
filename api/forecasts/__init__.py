"""The `forecasts` resource."""
