"""Scenarios of the desk built through its services (the Wuhu funnel fixture, the demo's desk)."""
