"""Shared hypothesis settings: no deadline, no example database, example counts scaled by env.

``TIAOKUAI_FUZZ_SCALE`` multiplies every example count (``0.2`` for a quick look, ``20`` for a long
soak); the ``slow`` tests use large counts of their own.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)


def fuzz_examples(default: int) -> int:
    """``default`` times ``TIAOKUAI_FUZZ_SCALE`` (1 when unset), at least 1."""
    return max(1, int(default * float(os.environ.get("TIAOKUAI_FUZZ_SCALE", "1"))))


def fuzz(default: int) -> settings:
    """Settings for one fuzz test of ``default`` examples (scaled)."""
    return settings(FUZZ, max_examples=fuzz_examples(default))


def _date_value(d: object) -> object:
    from graphql import StringValueNode

    return StringValueNode(value=str(d))


#: strategies for the schema's custom scalars, for hypothesis-graphql
CUSTOM_SCALARS = {"Date": st.dates().map(_date_value)}
