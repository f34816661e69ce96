"""The command line in the chosen language: the commands' and options' help, the help screen's own
words (typer's panel titles) and the usage errors typer writes in English.

Help texts are English msgids marked with :func:`~govreport.i18n.N_` where they are defined and
translated here, once the language is known (``--lang`` is read from the arguments first).
"""

from __future__ import annotations

import re
from typing import Any

from govreport.i18n import N_, _, current_language

#: typer's help-screen words (``typer.rich_utils``), translated where they are used
_PANELS = {"ARGUMENTS_PANEL_TITLE": N_("Arguments"), "OPTIONS_PANEL_TITLE": N_("Options"),
           "COMMANDS_PANEL_TITLE": N_("Commands"), "ERRORS_PANEL_TITLE": N_("Error"),
           "REQUIRED_LONG_STRING": N_("[required]"), "DEFAULT_STRING": N_("[default: {}]"),
           "ABORTED_TEXT": N_("Aborted.")}
_HELP_OPTION = N_("Show this message and exit.")

#: the usage errors of the command-line parser, English pattern -> message (``{0}``: what it names)
_USAGE = [
    (re.compile(r"^No such option: (.+?)(?: \(Possible options: .*\))?$"), N_("no such option: {0}")),
    (re.compile(r"^No such command '?(.+?)'?\.?$"), N_("no such command: {0}")),
    (re.compile(r"^Missing argument '(.+)'\.?$"), N_("missing argument {0}")),
    (re.compile(r"^Missing option '(.+)'\.?$"), N_("missing option {0}")),
    (re.compile(r"^Option '(.+)' requires an argument\.?$"), N_("option {0} needs a value")),
    (re.compile(r"^Invalid value for '?(.+?)'?: (.+)$", re.S), N_("invalid value for {0}: {1}")),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)$"), N_("unexpected extra argument(s): {0}")),
]


def usage_message(message: str) -> str:
    """A parser's usage error in the current language (unchanged in English, or when no pattern knows it)."""
    if current_language() == "en":
        return message
    for pattern, text in _USAGE:
        m = pattern.match(message.strip())
        if m:
            return _(text).format(*m.groups())
    return message


def localised_command(app: Any) -> Any:
    """The click command of the typer ``app`` with every help text in the current language."""
    import typer.main
    import typer.rich_utils as rich_utils

    for name, text in _PANELS.items():
        setattr(rich_utils, name, _(text))
    _usage_prefix()
    group = typer.main.get_command(app)
    _translate(group)
    for cmd in getattr(group, "commands", {}).values():
        _translate(cmd)
    return group


def _usage_prefix() -> None:
    """The help screen's "Usage:" and "[OPTIONS]" in the current language (typer's formatter writes
    them in English; left so where a typer version has no such formatter)."""
    try:
        from typer._click.formatting import HelpFormatter
    except ImportError:  # pragma: no cover - another typer layout: English words stay
        return
    original = getattr(HelpFormatter.write_usage, "__wrapped__", HelpFormatter.write_usage)

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = _("Usage: ")
        args = args.replace("[OPTIONS]", _("[OPTIONS]")).replace("COMMAND [ARGS]...", _("COMMAND [ARGS]..."))
        original(self, prog, args, prefix)

    write_usage.__wrapped__ = original  # type: ignore[attr-defined]
    HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]


def _translate(cmd: Any) -> None:
    if cmd.help:
        cmd.help = _(cmd.help)
    for param in cmd.params:
        if getattr(param, "help", None):
            param.help = _(param.help)
    original = cmd.get_help_option

    def help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None and option.help:
            option.help = _(option.help)
        return option

    cmd.get_help_option = help_option
