"""`ipre`: every command and every option says what it is for; one spelling per flag."""

from __future__ import annotations

import argparse
import importlib

import pytest

from ipre import cli


class Parsed(Exception):
    """Raised instead of parsing, carrying the parser a command built."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        super().__init__(parser.prog)
        self.parser = parser


def command_parser(name: str, monkeypatch: pytest.MonkeyPatch) -> argparse.ArgumentParser:
    def capture(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        raise Parsed(self)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_known_args", capture)
    module = importlib.import_module(cli.COMMANDS[name])
    with pytest.raises(Parsed) as caught:
        module.main([])
    return caught.value.parser


def test_every_command_has_a_description_in_the_usage() -> None:
    assert set(cli.DESCRIPTIONS) == set(cli.COMMANDS)
    usage = cli.usage()
    assert all(f"{name}  " in usage and text in usage for name, text in cli.DESCRIPTIONS.items())


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_option_has_help(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = command_parser(name, monkeypatch)
    assert parser.description
    missing = [
        action.option_strings[0]
        for action in parser._actions
        if action.option_strings and not isinstance(action, argparse._HelpAction)
        and not action.help
    ]
    assert missing == [], f"ipre {name}: options without help: {missing}"


def test_the_warehouse_flag_is_db_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in cli.COMMANDS:
        flags = {flag for action in command_parser(name, monkeypatch)._actions
                 for flag in action.option_strings}
        assert "--duckdb" not in flags or "--db" in flags, name
