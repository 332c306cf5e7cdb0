"""Relational storage: models, engine, migrations, repositories."""
