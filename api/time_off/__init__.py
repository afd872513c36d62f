"""Time-off requests: agents ask, planners decide."""
