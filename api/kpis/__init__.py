"""The `kpis` resource."""
