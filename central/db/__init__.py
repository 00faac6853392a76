"""The office's one data layer: schema, migrations, the store, and the queries and rules."""
