"""Placeholder until the letters branch lands: template checks accept every template."""

from tradeguard.domain.collections.templates import StepTemplate


def validate_template(template: StepTemplate, language: str, step: str) -> None:
    """Replaced by the sandboxed rendering check of collections.letters."""
