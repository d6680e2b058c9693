"""Database: connection setup, models, migrations, change feed."""
