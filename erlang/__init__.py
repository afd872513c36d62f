"""erlang package."""
