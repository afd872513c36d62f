"""Shift bidding: planners' rounds and agents' bids."""
