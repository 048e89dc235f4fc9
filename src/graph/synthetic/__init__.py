"""Synthetic ledgers: the bundled Heilongjiang sample (:mod:`.sample`) and the national generator
(:mod:`.national`) for benchmarks. Nothing here is real data; the name tables and published
figures they draw on are data files under ``synthetic/data/``."""
