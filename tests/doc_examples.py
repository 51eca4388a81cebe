"""The command examples of README.md, CONTRIBUTING.md and docs/**/*.md, as a reader sees them.

Markdown is parsed as the site parses it (Python-Markdown with fenced code), so a code block inside
a list item or an indented block counts as well as a fenced one. An example is one command of a
shell block (fenced ``bash``/``sh``/``shell``/``console``, or an indented block without a language)
with its continuation lines joined, or one Python block. In a block with ``$ `` prompts only the
prompted lines are commands; the lines after one are the output it documents."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown

REPO = Path(__file__).resolve().parents[1]
SHELL_LANGUAGES = {"bash", "sh", "shell", "console", ""}
# Blocks that are not commands: sample output, and R and Stata (neither runs in the test environment;
# their code reads the same release files the shell and Python examples check).
NOT_COMMANDS = {"text", "r", "stata"}
KNOWN_LANGUAGES = SHELL_LANGUAGES | {"python"} | NOT_COMMANDS
_BLOCK = re.compile(r'<pre><code(?: class="language-([\w-]+)")?>(.*?)</code></pre>', re.S)


@dataclass(frozen=True)
class Command:
    text: str  # continuation lines joined, trailing comment removed
    output: tuple[str, ...] = ()  # the lines a `$ ` prompt's command is documented to print


@dataclass(frozen=True)
class Block:
    file: str  # relative to the repository
    index: int  # the block's position among the file's examples
    language: str  # "shell" or "python"
    source: str
    commands: tuple[Command, ...] = field(default=())


def doc_files() -> list[Path]:
    return [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").rglob("*.md"))]


def _strip_comment(line: str) -> str:
    """A trailing ``# comment`` outside quotes (the docs explain commands that way)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def _logical_lines(lines: list[str]) -> list[str]:
    """Lines with their ``\\`` continuations joined by one space."""
    out: list[str] = []
    pending = ""
    for raw in lines:
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        out.append((pending + line.strip()).strip())
        pending = ""
    if pending:
        out.append(pending.strip())
    return out


def shell_commands(source: str) -> tuple[Command, ...]:
    lines = source.splitlines()
    if not any(line.startswith("$ ") for line in lines):
        texts = [_strip_comment(line) for line in _logical_lines(lines)]
        return tuple(Command(t) for t in texts if t)
    commands: list[Command] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        chunk = [lines[i][2:]]
        while chunk[-1].rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            chunk.append(lines[i])
        i += 1
        output: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        commands.append(Command(_strip_comment(_logical_lines(chunk)[0]), tuple(o for o in output if o.strip())))
    return tuple(commands)


def code_blocks(path: Path) -> list[tuple[str, str]]:
    """Every code block of a page: its language ("" for an indented block) and its text."""
    text = path.read_text(encoding="utf-8")
    rendered = markdown.markdown(text, extensions=["fenced_code", "tables", "md_in_html", "attr_list"])
    return [(language, html.unescape(body)) for language, body in _BLOCK.findall(rendered)]


def blocks(path: Path) -> list[Block]:
    found: list[Block] = []
    rel = path.relative_to(REPO).as_posix()
    for language, source in code_blocks(path):
        if language not in KNOWN_LANGUAGES:
            raise ValueError(f"{rel}: a code block in {language!r}: say in tests/doc_examples.py whether it is run")
        if language == "python":
            found.append(Block(rel, len(found), "python", source))
        elif language in SHELL_LANGUAGES:
            found.append(Block(rel, len(found), "shell", source, shell_commands(source)))
    return found


def all_blocks() -> list[Block]:
    return [b for path in doc_files() for b in blocks(path)]
