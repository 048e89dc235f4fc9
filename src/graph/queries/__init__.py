"""Questions answered from any store through its interface: totals (:mod:`.stats`), shortest
paths (:mod:`.paths`), the networkx projection (:mod:`.projection`) and graph files for Gephi,
yEd and networkx (:mod:`.export`)."""
