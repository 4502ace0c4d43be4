"""Alembic environment: runs on the connection the service hands over (serving.db.upgrade)."""

from alembic import context

from serving.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
