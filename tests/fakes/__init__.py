"""Fake vendor servers on 127.0.0.1 that check the request shapes the vendors document
(/work/shared/reference/API_BRIEF.md §§5-14, 17) and answer with documented responses, including
429 + Retry-After, 5xx, slow answers and pagination. Each fake keeps its state in memory so tests can
assert exactly what reached "the vendor"."""

from .server import FakeServer, Fault

__all__ = ["Fault", "FakeServer"]
