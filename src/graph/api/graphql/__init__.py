"""The GraphQL layer: one module per type with its converter, loaders, context, schema assembly."""
