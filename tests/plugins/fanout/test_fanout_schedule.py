"""Reminder steps and settings: a data table of (days until due, type) → steps, with the edges."""

from __future__ import annotations

import pytest
from milestones.fanout.schedule import get_reminders
from milestones.fanout.settings import FanoutSettings

from extractors.errors import MilestonesError

S = FanoutSettings()

CASES = [
    # days, obligation type, expected thresholds
    (200, "reporting", []),  # too early for anything
    (91, "reporting", []),
    (90, "reporting", ["d90"]),
    (75, "reporting", ["d90"]),  # still the 90-day step (sent once when first reached)
    (60, "reporting", ["d60"]),
    (31, "reporting", ["d60"]),
    (30, "reporting", ["d30"]),
    (14, "reporting", ["d14"]),
    (8, "reporting", ["d14"]),
    (7, "reporting", ["d7"]),
    (2, "reporting", ["d7"]),
    (1, "reporting", ["d1"]),
    (0, "reporting", ["d0"]),
    (-1, "reporting", ["overdue_1"]),
    (-7, "reporting", ["overdue_1"]),
    (-8, "reporting", ["overdue_8"]),
    (-13, "reporting", ["overdue_8"]),
    (-14, "reporting", ["overdue_8", "escalation"]),
    (-15, "reporting", ["overdue_15", "escalation"]),
    (-60, "payment", ["overdue_57", "escalation"]),
    # renewal / notice deadlines start early
    (180, "renewal_notice", ["d180"]),
    (150, "renewal_notice", ["d180"]),
    (120, "termination_notice", ["d120"]),
    (95, "option_exercise", ["d120"]),
    (181, "renewal_notice", []),
    (None, "reporting", []),
]


@pytest.mark.parametrize(("days", "kind", "expected"), CASES, ids=[f"{c[1]}:{c[0]}" for c in CASES])
def test_reminder_steps(days, kind, expected):
    assert [r.threshold for r in get_reminders(days, kind, S)] == expected


def test_escalation_goes_to_the_manager():
    steps = list(get_reminders(-20, "reporting", S))
    assert [(r.kind, r.audience) for r in steps] == [("overdue", "owner"), ("escalation", "manager")]


def test_custom_settings_from_env():
    s = FanoutSettings.from_env({"MILESTONES_ALERT_THRESHOLDS": "10, 3,0", "MILESTONES_OVERDUE_EVERY_DAYS": "3",
                                 "MILESTONES_ESCALATE_AFTER_DAYS": "5", "MILESTONES_ALERT_CHANNELS": "email"})  # fmt: skip
    assert s.thresholds == (10, 3, 0) and s.channels == ("email",)
    assert [r.threshold for r in get_reminders(4, "reporting", s)] == ["d10"]
    assert [r.threshold for r in get_reminders(-4, "reporting", s)] == ["overdue_4"]
    assert [r.threshold for r in get_reminders(-5, "reporting", s)] == ["overdue_4", "escalation"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MILESTONES_ALERT_THRESHOLDS": "90,sixty"}, "whole days"),
        ({"MILESTONES_ALERT_THRESHOLDS": "-1"}, "none negative"),
        ({"MILESTONES_OVERDUE_EVERY_DAYS": "0"}, "at least 1"),
        ({"MILESTONES_ALERT_CHANNELS": "email,pager"}, "unknown alert channels"),
        ({"MILESTONES_REVIEW_BASE_URL": "review.example.com"}, "absolute http"),
        ({"MILESTONES_LINK_TEMPLATE": "{base_url}/{contract}"}, "may be used"),
    ],
)
def test_bad_settings_say_what_to_change(env, message):
    with pytest.raises(MilestonesError, match=message):
        FanoutSettings.from_env(env)


def test_link_is_built_from_the_configured_base_url():
    s = FanoutSettings(review_base_url="https://milestones.example.com/app/")
    assert (
        s.link("msa acme", "m1", "m1:2026-12-15")
        == "https://milestones.example.com/app/contracts/msa%20acme?milestone=m1"
    )
