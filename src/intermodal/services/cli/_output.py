"""Shared CLI plumbing: one line per problem on stderr, exit codes, JSON printing."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape

from intermodal.exceptions import InputError, LimitError, NoRouteError, Problem, summarize_problems


class _Console(Console):
    """A console as wide as its tables need when stdout is not a terminal.

    A pipe or a file has no width: rich's default of 80 columns there cut option names to ``shuttle-…``.
    A terminal keeps its own width, and ``COLUMNS`` still sets one.
    """

    @property
    def size(self) -> ConsoleDimensions:
        size = Console.size.fget(self)  # type: ignore[attr-defined]
        if self._width is None and not self.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
            return ConsoleDimensions(_UNBOUNDED, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


#: a width no table reaches
_UNBOUNDED = 100_000

console = _Console()
err_console = Console(stderr=True)

#: exit codes: 0 done, 1 a valid question with no answer (no route), 2 bad input
NO_ANSWER, BAD_INPUT = 1, 2


def fail(lines: list[str], code: int) -> NoReturn:
    for line in lines:
        # escape: "[field]" in a problem is text, not rich markup
        err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's errors into clear lines and exit codes; never a traceback for bad input."""
    try:
        yield
    except InputError as err:
        fail([str(p) for p in summarize_problems(err.problems)], BAD_INPUT)
    except NoRouteError as err:
        fail(err.reasons, NO_ANSWER)
    except LimitError as err:
        fail([str(err)], NO_ANSWER)


def print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def choice(value: str, allowed: list[str], option: str) -> str:
    if value not in allowed:
        fail([f"[{option}]: unknown value (found {value!r}, expected {' | '.join(allowed)})"], BAD_INPUT)
    return value


def days(text: str, field: str, what: str) -> float:
    """A span given as ``7d``, ``36h`` or a number of days: more than 0, at most 60 days.

    Raises
    ------
    InputError
        Naming ``field``: not such a span (``what`` says what it is: "a window").
    """
    unit = {"d": 1.0, "h": 1 / 24}.get(text[-1:].lower())
    try:
        value = float(text[:-1]) * unit if unit else float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 60:  # NaN fails too
        raise InputError(
            Problem(f"not {what}", field=field, found=text, expected="such as 7d or 36h, at most 60d")
        )
    return value


def run(fn: Callable[[], None]) -> None:
    with user_errors():
        fn()
