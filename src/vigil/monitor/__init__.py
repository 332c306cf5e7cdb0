"""Real-time rules: zones, schedules, tamper and device health, per device in order."""
