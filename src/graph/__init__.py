"""tiaokuai (条块): a knowledge graph of vertical lines and horizontal blocks.

The package is usable from Python without the CLI: open a store with
:func:`graph.store.open_store`, load ledgers with :func:`loaders.load_paths`, and ask
:mod:`graph.rules` for coverage and gaps.
"""

__version__ = "0.1.0"
