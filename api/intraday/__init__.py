"""Intraday endpoints: agent state feed, queue snapshots, adherence, reforecast, sell/serve."""
