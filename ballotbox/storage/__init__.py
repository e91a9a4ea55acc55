"""Storage: models, engine, migrations, queries, key files and the hash-chain ledger."""
