"""Alembic's entry point for the store's migrations. mlwright runs them itself, on the
connection it opened (see ``mlwright.registry.migrate``); they are not meant for the alembic
command line, though `alembic -x url=... upgrade head` works with a config naming this folder."""

from alembic import context
from sqlalchemy import create_engine

from mlwright.registry.tables import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # the alembic command line: a URL given with -x url=...
    url = context.get_x_argument(as_dictionary=True)["url"]
    with create_engine(url).connect() as own:
        context.configure(connection=own, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
