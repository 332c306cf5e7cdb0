"""Stand-ins for real wearers and bracelets, speaking the real protocol."""
