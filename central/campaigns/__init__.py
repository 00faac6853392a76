"""Campaigns at the office: delivery against their goals, buyers' exports, partners' reports."""
