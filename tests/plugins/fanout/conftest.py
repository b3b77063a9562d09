"""Fixtures for the fan-out tests: fake vendor servers and a small hand-built warehouse (tests/fakes)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/ → `import fakes`; appended, so tests/dbt, tests/extractors … never shadow the real packages
sys.path.append(str(Path(__file__).resolve().parents[2]))

from fakes.asana import AsanaFake  # noqa: E402
from fakes.calendars import GoogleCalendarFake, GraphFake  # noqa: E402
from fakes.jira import JiraFake  # noqa: E402
from fakes.marts import Clock, Warehouse  # noqa: E402
from fakes.servicenow import ServiceNowFake  # noqa: E402
from fakes.slack import SlackFake  # noqa: E402
from fakes.smtp import SmtpFake  # noqa: E402
from fakes.teams import TeamsFake  # noqa: E402


@pytest.fixture
def warehouse(tmp_path: Path):
    wh = Warehouse(tmp_path / "warehouse.duckdb")
    yield wh
    wh.con.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _serve(fake):  # type: ignore[no-untyped-def]
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def slack():
    yield from _serve(SlackFake())


@pytest.fixture
def teams():
    yield from _serve(TeamsFake())


@pytest.fixture
def jira():
    yield from _serve(JiraFake())


@pytest.fixture
def asana():
    yield from _serve(AsanaFake())


@pytest.fixture
def servicenow():
    yield from _serve(ServiceNowFake())


@pytest.fixture
def gcal():
    yield from _serve(GoogleCalendarFake())


@pytest.fixture
def graph():
    yield from _serve(GraphFake())


@pytest.fixture
def smtp():
    fake = SmtpFake().start()
    try:
        yield fake
    finally:
        fake.stop()


class Sleeps(list):
    """Records the waits a client asked for instead of sleeping (Retry-After values are asserted on)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
