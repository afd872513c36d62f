"""Database commands (filled in by the storage layer)."""
