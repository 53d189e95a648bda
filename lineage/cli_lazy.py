"""Click's "lazily loading subcommands" for a Typer app: build only the command that runs.

Typer turns every registered function into a Click command before it parses ``argv``: it
reads each signature's type hints and options, which for this app's ~40 functions was most of
``lineage --help`` once the imports were lazy (issue 25). :func:`lazy_command` gives a Click
group with the app's own global options that builds a subcommand (or sub-group, itself lazy)
when it is invoked; a help page lists the others from their docstrings alone. Commands are
still registered the Typer way (``load_app.command("x")(mod.fn)``), and tests that hand the
Typer app to ``CliRunner`` get Typer's full build as before.

Typer (0.2x) converts every parameter, even one left out, through a pydantic ``TypeAdapter``
built on first use: importing pydantic and building a dozen adapters was a fifth of a saved
query's start-up. The commands built here convert what needs no pydantic (a missing value,
text, a list of texts, a default already of its type) themselves (:class:`_Plain`) and leave
everything else, and every error, to Typer's adapter.
"""

from __future__ import annotations

import copy
import inspect
import typing
from dataclasses import dataclass
from typing import Any

import typer
import typer.main as typer_main
from typer._click import Command, Context, HelpFormatter
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer.core import TyperCommand, TyperGroup, _TyperParameter
from typer.models import CommandInfo, TyperInfo


def _plain_params(params: list[Any]) -> list[Any]:
    """``params``, each Typer parameter not yet converting given a :class:`_Plain` conversion."""
    for param in params:
        if isinstance(param, _TyperParameter) and param._runtime_param is None:
            param._runtime_param = _Plain(param.type_descriptor.parameter_info, param.type_descriptor.annotation)
    return params


def _unchanged(descriptor: TypeDescriptor, value: Any) -> bool:
    """Whether Typer's adapter would give ``value`` back as it is (text stays text, a list of
    texts a list, a number of its declared type within its bounds)."""
    info, annotation = descriptor.parameter_info, descriptor.annotation
    if descriptor.file_annotation is not None or info.parser is not None:
        return False
    if annotation is str:
        return type(value) is str
    if typing.get_origin(annotation) is list and typing.get_args(annotation) == (str,):
        return isinstance(value, (list, tuple)) and all(type(v) is str for v in value)
    if annotation in (int, float) and type(value) is annotation and not info.clamp:
        return (info.min is None or value >= info.min) and (info.max is None or value <= info.max)
    return False


@dataclass(frozen=True)
class _Plain(RuntimeParam):
    """Typer's conversion of one parameter, with Typer's own (pydantic) only where it changes the value."""

    def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
        descriptor = param.type_descriptor
        if _unchanged(descriptor, value):
            return list(value) if isinstance(value, tuple) else value
        return build_runtime_param(descriptor)._coerce_value(value, param=param, ctx=ctx)


class PlainCommand(TyperCommand):
    """A Typer command whose parameters convert through :class:`_Plain`."""

    def get_params(self, ctx: Context) -> list[Any]:
        return _plain_params(super().get_params(ctx))


class LazyGroup(TyperGroup):
    """A Typer group whose subcommands are built from their Typer registrations on first use."""

    source: typer.Typer
    _listing = False

    def get_params(self, ctx: Context) -> list[Any]:
        return _plain_params(super().get_params(ctx))

    def _entries(self) -> dict[str, CommandInfo | TyperInfo]:
        entries: dict[str, CommandInfo | TyperInfo] = {}
        for info in self.source.registered_commands:
            entries[info.name or typer_main.get_command_name(info.callback.__name__)] = info  # type: ignore[union-attr]
        for group in self.source.registered_groups:
            entries[typer_main.solve_typer_info_defaults(group).name] = group
        return entries

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self._entries())

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        info = self._entries().get(cmd_name)
        if info is None:
            return None
        if self._listing:  # a help page needs the name and the first lines of help, nothing more
            return _placeholder(cmd_name, info, self.rich_markup_mode)
        if isinstance(info, CommandInfo):
            plain = copy.copy(info)
            plain.cls = PlainCommand if info.cls in (None, TyperCommand) else info.cls  # Typer's default: ours
            command: Command = typer_main.get_command_from_info(
                plain, pretty_exceptions_short=True, rich_markup_mode=self.rich_markup_mode
            )
        else:
            command = _lazy_group(info, self.rich_markup_mode)
        self.commands[cmd_name] = command
        return command

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        entries = self._entries()
        if not args or args[0] in entries:
            return super().resolve_command(ctx, args)
        built = self.commands  # Typer suggests from self.commands' names: show it every name
        self.commands = {**dict.fromkeys(entries), **built}  # type: ignore[dict-item]
        try:
            return super().resolve_command(ctx, args)
        finally:
            self.commands = built

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def _placeholder(name: str, info: CommandInfo | TyperInfo, markup: Any) -> Command:
    if isinstance(info, CommandInfo):
        help_text = inspect.cleandoc(info.help) if info.help else inspect.getdoc(info.callback) or ""
        return TyperCommand(name, help=help_text, hidden=info.hidden, rich_markup_mode=markup)
    solved = typer_main.solve_typer_info_defaults(info)
    return TyperCommand(name, help=solved.help or "", hidden=bool(solved.hidden), rich_markup_mode=markup)


def _lazy_group(info: TyperInfo, markup: Any) -> LazyGroup:
    """The group ``info`` describes, with its callback's options but none of its commands built."""
    instance = info.typer_instance
    assert instance is not None
    shell = copy.copy(instance)
    shell.registered_commands, shell.registered_groups = [], []
    shell_info = copy.copy(info)
    shell_info.typer_instance = shell
    shell_info.cls = LazyGroup
    group = typer_main.get_group_from_info(
        shell_info, pretty_exceptions_short=True, suggest_commands=True, rich_markup_mode=markup
    )
    assert isinstance(group, LazyGroup)
    group.source = instance
    return group


def lazy_command(app: typer.Typer) -> LazyGroup:
    """``app`` as a Click group that builds its subcommands on demand (call it to run the CLI)."""
    return _lazy_group(TyperInfo(app), app.rich_markup_mode)
