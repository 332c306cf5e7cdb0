"""Alerts: one per episode, a timeline, a person's decision, a durable outbox.

``book`` turns monitor findings into alerts, ``lifecycle`` records what staff do,
``escalation`` raises what nobody acknowledged in time, and ``outbox`` delivers
notifications through the ``channels`` until each endpoint has taken them.
"""
