"""Dunning policies: one ladder of steps per credit class, and how a late run catches up.

A step is reached when an invoice's days overdue are at least its ``days`` (inclusive;
negative = before the due date). The default ladder is the brief's: a friendly e-mail 3
days before due, a reminder letter (and e-mail) at 15 days overdue that is never
skipped, a phone call at 30 and the hand-over to a collection agency at 45. Stored as
JSON (``dunning_settings``) or read from a TOML file (docs/collections.md); every field
has a default, so collections work from the first run.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tradeguard.domain.collections.templates import (
    DEFAULT_TEMPLATES,
    StepTemplate,
    generic_template,
)
from tradeguard.domain.errors import InvalidInputError

CREDIT_CLASSES = ("A", "B", "C")
UNSCORED_CLASS = "B"  # a buyer not scored yet follows the middle class's ladder
LANGUAGES = ("en", "zh")


class InvalidDunningSettingsError(InvalidInputError):
    pass


class Channel(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    AGENCY = "agency"


class CatchUp(StrEnum):
    # After missed days, only the highest step due is carried out (the others are
    # recorded as skipped), but a required step not yet done comes first.
    HIGHEST = "highest"
    # The peers' behaviour (Tryton, OCA, Odoo): at most one step per run.
    ONE_STEP = "one_step"


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    days: int
    channels: tuple[Channel, ...]
    required: bool = False
    templates: Mapping[str, StepTemplate] = field(default_factory=dict)

    @property
    def channel(self) -> Channel:
        """The step's main channel (the first listed), as an action names it."""
        return self.channels[0]

    def template(self, language: str) -> StepTemplate:
        """The step's template in ``language``; English where none is given for it."""
        return self.templates.get(language) or self.templates["en"]


@dataclass(frozen=True, slots=True)
class Policy:
    steps: tuple[Step, ...]
    catch_up: CatchUp = CatchUp.HIGHEST
    min_gap_days: int = 7

    def index(self, name: str) -> int | None:
        return next((i for i, s in enumerate(self.steps) if s.name == name), None)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The seller as its letters and e-mails show it."""

    name: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class DunningSettings:
    policies: Mapping[str, Policy]  # one per credit class A, B, C
    letterhead: Letterhead = Letterhead()
    promise_grace_days: int = 2  # a promise is broken when not paid in full by date + grace
    effectiveness_window_days: int = 15  # collected within this many days after a step

    def policy(self, credit_class: str | None) -> Policy:
        return self.policies[credit_class or UNSCORED_CLASS]

    def as_dict(self) -> dict[str, Any]:
        return {
            "policies": {c: _policy_dict(p) for c, p in self.policies.items()},
            "letterhead": {
                "name": self.letterhead.name,
                "address": self.letterhead.address,
                "email": self.letterhead.email,
                "phone": self.letterhead.phone,
            },
            "promise_grace_days": self.promise_grace_days,
            "effectiveness_window_days": self.effectiveness_window_days,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> DunningSettings:
        """Settings from stored JSON or a TOML file; what is absent takes its default
        (a class without a policy gets the default ladder). Every problem is named."""
        data = dict(data or {})
        problems: list[str] = []
        unknown = set(data) - {
            "policies",
            "letterhead",
            "promise_grace_days",
            "effectiveness_window_days",
        }
        if unknown:
            problems.append(f"unknown dunning settings: {', '.join(sorted(unknown))}")
        raw_policies = data.get("policies") or {}
        if not isinstance(raw_policies, Mapping):
            problems.append("policies: a table with one policy per credit class (A, B, C)")
            raw_policies = {}
        unknown_classes = set(raw_policies) - set(CREDIT_CLASSES)
        if unknown_classes:
            problems.append(
                f"policies: unknown credit classes {', '.join(sorted(map(str, unknown_classes)))}"
                " (A, B, C)"
            )
        policies = {}
        for credit_class in CREDIT_CLASSES:
            raw = raw_policies.get(credit_class)
            where = f"policies.{credit_class}"
            policy = DEFAULT_POLICY if raw is None else _policy(raw, where, problems)
            policies[credit_class] = policy
        letterhead = _letterhead(data.get("letterhead") or {}, problems)
        grace = _whole(data.get("promise_grace_days", 2), "promise_grace_days", 0, problems)
        window = _whole(
            data.get("effectiveness_window_days", 15), "effectiveness_window_days", 1, problems
        )
        if problems:
            raise InvalidDunningSettingsError("; ".join(problems))
        return cls(policies, letterhead, grace, window)


def _whole(value: Any, where: str, least: int, problems: list[str]) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= least:
        return value
    problems.append(f"{where}: a whole number >= {least}, not {value!r}")
    return least


def _text(value: Any, where: str, problems: list[str]) -> str:
    if isinstance(value, str):
        return value
    problems.append(f"{where}: text, not {value!r}")
    return ""


def _letterhead(raw: Any, problems: list[str]) -> Letterhead:
    if not isinstance(raw, Mapping):
        problems.append("letterhead: a table with name, address, email, phone")
        return Letterhead()
    names = ("name", "address", "email", "phone")
    unknown = set(raw) - set(names)
    if unknown:
        problems.append(f"letterhead: unknown fields {', '.join(sorted(unknown))}")
    return Letterhead(**{n: _text(raw.get(n, ""), f"letterhead.{n}", problems) for n in names})


def _policy(raw: Any, where: str, problems: list[str]) -> Policy:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: a table with steps, catch_up and min_gap_days")
        return DEFAULT_POLICY
    unknown = set(raw) - {"steps", "catch_up", "min_gap_days"}
    if unknown:
        problems.append(f"{where}: unknown fields {', '.join(sorted(unknown))}")
    catch_up = raw.get("catch_up", CatchUp.HIGHEST.value)
    if catch_up not in {c.value for c in CatchUp}:
        problems.append(f"{where}.catch_up: highest or one_step, not {catch_up!r}")
        catch_up = CatchUp.HIGHEST.value
    gap = _whole(raw.get("min_gap_days", 7), f"{where}.min_gap_days", 0, problems)
    raw_steps = raw.get("steps")
    if raw_steps is None:
        return Policy(DEFAULT_POLICY.steps, CatchUp(catch_up), gap)
    if not isinstance(raw_steps, Sequence) or isinstance(raw_steps, str) or not raw_steps:
        problems.append(f"{where}.steps: a non-empty list of steps")
        return DEFAULT_POLICY
    steps = tuple(_step(s, f"{where}.steps[{i}]", problems) for i, s in enumerate(raw_steps))
    names = [s.name for s in steps]
    if len(set(names)) != len(names):
        problems.append(f"{where}.steps: each step needs its own name")
    days = [s.days for s in steps]
    if any(later <= earlier for earlier, later in itertools.pairwise(days)):
        problems.append(f"{where}.steps: the steps' days must increase, step by step")
    return Policy(steps, CatchUp(catch_up), gap)


def _step(raw: Any, where: str, problems: list[str]) -> Step:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: a table with name, days, channel, required, templates")
        return DEFAULT_STEPS[0]
    unknown = set(raw) - {"name", "days", "channel", "required", "templates"}
    if unknown:
        problems.append(f"{where}: unknown fields {', '.join(sorted(unknown))}")
    name = raw.get("name")
    if not (isinstance(name, str) and name.strip() and len(name) <= 40):
        problems.append(f"{where}.name: a name of 1 to 40 characters")
        name = "step"
    days = raw.get("days")
    if not (isinstance(days, int) and not isinstance(days, bool) and -365 <= days <= 3650):
        problems.append(f"{where}.days: a whole number of days from the due date (-365 to 3650)")
        days = 0
    raw_channels = raw.get("channel", "letter")
    listed = [raw_channels] if isinstance(raw_channels, str) else raw_channels
    valid = {c.value for c in Channel}
    if not (isinstance(listed, Sequence) and listed and all(c in valid for c in listed)):
        problems.append(
            f"{where}.channel: email, letter, phone or agency, or a list of them, "
            f"not {raw_channels!r}"
        )
        listed = ["letter"]
    channels = tuple(dict.fromkeys(Channel(c) for c in listed))
    required = raw.get("required", False)
    if not isinstance(required, bool):
        problems.append(f"{where}.required: true or false")
        required = False
    templates = dict(default_templates(name, channels[0]))
    raw_templates = raw.get("templates") or {}
    if not isinstance(raw_templates, Mapping):
        problems.append(f"{where}.templates: a table per language (en, zh)")
        raw_templates = {}
    for language, raw_template in raw_templates.items():
        if language not in LANGUAGES:
            problems.append(f"{where}.templates: unknown language {language!r} (en, zh)")
            continue
        if not (
            isinstance(raw_template, Mapping)
            and set(raw_template) <= {"subject", "body"}
            and all(isinstance(v, str) for v in raw_template.values())
        ):
            problems.append(f"{where}.templates.{language}: subject and body, as text")
            continue
        base = templates[language]
        templates[language] = StepTemplate(
            raw_template.get("subject", base.subject), raw_template.get("body", base.body)
        )
    return Step(name, days, channels, required, templates)


def default_templates(name: str, channel: Channel) -> Mapping[str, StepTemplate]:
    """The shipped wording of a step: the default ladder's own, else one by channel."""
    shipped = DEFAULT_TEMPLATES.get(name)
    if shipped is not None:
        return shipped
    return {language: generic_template(channel.value, language) for language in LANGUAGES}


def _policy_dict(policy: Policy) -> dict[str, Any]:
    return {
        "catch_up": policy.catch_up.value,
        "min_gap_days": policy.min_gap_days,
        "steps": [
            {
                "name": s.name,
                "days": s.days,
                "channel": [c.value for c in s.channels],
                "required": s.required,
                "templates": {
                    language: {"subject": t.subject, "body": t.body}
                    for language, t in s.templates.items()
                    if t != default_templates(s.name, s.channel).get(language)
                },
            }
            for s in policy.steps
        ],
    }


def _default_step(name: str, days: int, *channels: Channel, required: bool = False) -> Step:
    return Step(name, days, channels, required, default_templates(name, channels[0]))


DEFAULT_STEPS = (
    _default_step("pre_due_reminder", -3, Channel.EMAIL),
    _default_step("reminder_letter", 15, Channel.LETTER, Channel.EMAIL, required=True),
    _default_step("phone_call", 30, Channel.PHONE),
    _default_step("agency_handover", 45, Channel.AGENCY),
)
DEFAULT_POLICY = Policy(DEFAULT_STEPS)


def default_settings() -> DunningSettings:
    return DunningSettings(dict.fromkeys(CREDIT_CLASSES, DEFAULT_POLICY))
