"""Every command example of README.md, CONTRIBUTING.md and docs/**/*.md runs as written (issue 14).

Each shell block runs, command by command, in a scratch copy of the repository's package with this
checkout's ``.venv/bin`` first on PATH; a ``cd`` moves the following commands, as in a terminal.
Blocks about a release run in a directory holding a built release's zip (and, unless the block
unzips it, its unpacked folder), the importers' in a directory outside any package holding the exports they name. The
placeholders of tests/fixtures/doc_examples.yaml are filled in; the commands listed there under
``not_run`` are skipped, each for its reason, and the list must match the docs. Python blocks are
run by tests/test_download_page.py. An example with a documented exit status or output (a ``$ ``
prompt followed by what it prints) must give exactly that status and print those lines; the
error reference's sample error is what ``sce validate`` prints for the row it names."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from doc_examples import REPO, Block, Command, all_blocks, code_blocks
from test_download_page import PAGES

from syria_conflict_events.declaration import load_declaration

LISTED = yaml.safe_load((REPO / "tests" / "fixtures" / "doc_examples.yaml").read_text(encoding="utf-8"))
NOT_RUN = {(e["file"], e["command"]): e["reason"] for e in LISTED["not_run"]}
EXPECTED = {(e["file"], e["command"]): e for e in LISTED.get("expected", [])}
BLOCKS = all_blocks()
DECL = load_declaration()
BIN = Path(sys.executable).parent  # this checkout's .venv/bin
PYTHON_RUNNER_PAGES = set(PAGES)  # tests/test_download_page.py runs their Python

# Where a file's blocks run: the repository's package unless the page is about something else.
RELEASE_PAGES = {"docs/download.md"}
OUTSIDE_PAGES = {"docs/importers.md"}


def _context(file: str) -> str:
    return "release" if file in RELEASE_PAGES else "outside" if file in OUTSIDE_PAGES else "checkout"


def _to_run(blocks: list[Block]) -> list[Block]:
    """Shell blocks with a command to run, once each: docs/contributing.md repeats CONTRIBUTING.md."""
    seen: set[tuple[str, str]] = set()
    out = []
    for b in blocks:
        key = (_context(b.file), b.source)
        if b.language == "shell" and key not in seen and any((b.file, c.text) not in NOT_RUN for c in b.commands):
            seen.add(key)
            out.append(b)
    return out


SHELL = _to_run(BLOCKS)


def _block_id(block: Block) -> str:
    return f"{block.file}#{block.index}"


# Commands that check, compare or write a whole package (seconds each): out of the fast tier.
SLOW_COMMANDS = ("sce validate", "sce diff", "sce import")


def _marks(block: Block) -> list[pytest.MarkDecorator]:
    if _context(block.file) == "release":
        pip = any(c.text.startswith("pip ") for c in block.commands)
        return [pytest.mark.wheel if pip else pytest.mark.release_build]
    return [pytest.mark.slow] if any(c.text.startswith(SLOW_COMMANDS) for c in block.commands) else []


# --- the inventory: nothing is neither run nor listed, nothing listed is gone ---------------------


def test_the_docs_have_their_examples():
    files = {b.file for b in BLOCKS}
    assert {"README.md", "CONTRIBUTING.md", "docs/contributing.md", "docs/download.md",
            "docs/importers.md"} <= files
    assert len(SHELL) >= 12


def test_every_listed_command_is_still_an_example():
    commands = {(b.file, c.text) for b in BLOCKS for c in b.commands}
    gone = [key for key in NOT_RUN if key not in commands] + [key for key in EXPECTED if key not in commands]
    assert not gone, f"tests/fixtures/doc_examples.yaml lists commands the docs no longer show: {gone}"
    assert all(reason.strip() for reason in NOT_RUN.values())


def test_every_python_example_is_run():
    """Shell blocks run here unless listed; Python blocks must be on a page the download-page test runs."""
    orphans = [_block_id(b) for b in BLOCKS if b.language == "python" and b.file not in PYTHON_RUNNER_PAGES]
    assert not orphans, f"Python examples no test runs (add the page to tests/test_download_page.py): {orphans}"


def test_a_block_in_an_unknown_language_is_noticed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import doc_examples

    page = tmp_path / "docs" / "new.md"
    page.parent.mkdir()
    page.write_text("# New\n\n```powershell\nsce validate\n```\n", encoding="utf-8")
    monkeypatch.setattr(doc_examples, "REPO", tmp_path)
    with pytest.raises(ValueError, match="'powershell'"):
        doc_examples.blocks(page)


def test_commands_are_read_as_a_terminal_reads_them():
    from doc_examples import shell_commands

    plain = "sce fmt            # canonical form\nsce new place --set 'name=A # B' \\\n    --set x=1\n\n"
    assert [c.text for c in shell_commands(plain)] == ["sce fmt", "sce new place --set 'name=A # B' --set x=1"]
    prompted = "$ sce validate \\\n    bad\nsce validate: bad is not a package\n$ echo done\ndone\n"
    assert shell_commands(prompted) == (Command("sce validate bad", ("sce validate: bad is not a package",)),
                                        Command("echo done", ("done",)))


def test_every_placeholder_of_a_run_command_is_filled():
    """A `<...>` left in a command that runs would be passed to the command as it is."""
    for block in SHELL:
        for command in block.commands:
            if (block.file, command.text) in NOT_RUN:
                continue
            text = _fill(command.text, {p: "x" for p in LISTED["placeholders"]})
            words = [w for w in shlex.split(text) if w.startswith("<") and w.endswith(">")]
            assert not words, f"{block.file}: {command.text}: placeholders {words} (fill them or list the command)"


# --- running them ----------------------------------------------------------------------------------


def _fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, shlex.quote(value) if " " in value else value)
    return text


def copy_package(dest: Path) -> Path:
    """The repository's package and its documentation, as a contributor's checkout holds them."""
    dest.mkdir(parents=True)
    for name in ("datapackage.json", "mkdocs.yml", "README.md", "CONTRIBUTING.md", "CHANGELOG.md", "CITATION.cff"):
        shutil.copy2(REPO / name, dest / name)
    for name in ("data", "schemas", "docs"):
        shutil.copytree(REPO / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import write_package

    from syria_conflict_events.release import build_release

    base = tmp_path_factory.mktemp("doc-release")
    zip_path = build_release(write_package(base / "pkg"), base / "dist", update_registry=False,
                             progress=lambda _: None)
    return zip_path.parent


def _wheelhouse(base: Path) -> Path:
    """This checkout built as a wheel, the one package the local index offers."""
    house = base / "wheelhouse"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "--no-index", "-w", str(house), str(REPO)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    return house


def _fresh_venv(base: Path) -> Path:
    """A new environment whose dependencies are this checkout's (through a .pth file), without the
    checkout's own editable install: `pip install` then has only the package itself to install."""
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    farm = base / "deps"
    farm.mkdir()
    (site,) = (Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_relative_to(sys.prefix))
    skip = ("syria_conflict_events", "__editable__", "pip", "setuptools", "_distutils_hack", "distutils-precedence")
    for entry in site.iterdir():
        if not entry.name.startswith(skip) and entry.suffix != ".pth":
            (farm / entry.name).symlink_to(entry)
    (new_site,) = (venv / "lib").glob("python*/site-packages")
    (new_site / "sce_test_dependencies.pth").write_text(f"{farm}\n", encoding="utf-8")
    return venv


Setting = tuple[Path, dict[str, str], dict[str, str]]


def _environment(block: Block, tmp_path: Path, release: Callable[[], Path]) -> Setting:
    """The directory to start in, the environment and the placeholders' values for ``block``."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("VIRTUAL_ENV", None)
    values = {"<version>": DECL.version}
    if _context(block.file) == "release":
        # The downloaded zip, unpacked already unless the block unzips it itself.
        start = tmp_path / "downloads"
        start.mkdir()
        (zip_path,) = release().glob("*.zip")
        shutil.copy2(zip_path, start / zip_path.name)
        if not block.commands[0].text.startswith("unzip "):
            shutil.copytree(zip_path.with_suffix(""), start / zip_path.stem)
        if any(c.text.startswith("pip ") for c in block.commands):
            venv = _fresh_venv(tmp_path)
            env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}", VIRTUAL_ENV=str(venv), PIP_NO_INDEX="1",
                       PIP_FIND_LINKS=str(_wheelhouse(tmp_path)), PIP_DISABLE_PIP_VERSION_CHECK="1")
        return start, env, values
    if _context(block.file) == "outside":
        start = tmp_path / "work"
        start.mkdir()
        shutil.copy2(REPO / "tests" / "fixtures" / "ucdp_ged_small.csv", start / "GEDEvent.csv")
        shutil.copy2(REPO / "tests" / "fixtures" / "acled_small.csv", start / "my-acled-export.csv")
        return start, env, values
    values["<base checkout>"] = str(copy_package(tmp_path / "base"))
    return copy_package(tmp_path / "checkout"), env, values


def run_block(block: Block, tmp_path: Path, release: Callable[[], Path]) -> list[str]:
    """Run the block's commands; the problems found (empty when every command did as documented)."""
    cwd, env, values = _environment(block, tmp_path, release)
    problems: list[str] = []
    for command in block.commands:
        key = (block.file, command.text)
        if key in NOT_RUN:
            continue
        text = _fill(command.text, values)
        words = shlex.split(text)
        if words[0] == "cd":  # a terminal's cd moves the commands that follow
            cwd = (cwd / words[1]).resolve()
            if not cwd.is_dir():
                problems.append(f"{text}: no such directory")
                break
            continue
        if words[0] == "sqlite3" and shutil.which("sqlite3") is None:
            pytest.skip("the sqlite3 command line is not installed")
        run = subprocess.run(["bash", "-c", text], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
        problems += _compare(text, command, EXPECTED.get(key, {}), run)
    return problems


def _compare(text: str, command: Command, expected: dict, run: subprocess.CompletedProcess[str]) -> list[str]:
    want = expected.get("exit", 0)
    shown = f"{text}\n--- stdout\n{run.stdout[-2000:]}\n--- stderr\n{run.stderr[-3000:]}"
    problems = [f"exit {run.returncode}, documented {want}: {shown}"] if run.returncode != want else []
    printed = run.stdout + run.stderr
    for line in (*command.output, *expected.get("output", ())):
        if line.strip() not in printed:
            problems.append(f"does not print {line.strip()!r}: {shown}")
    return problems


@pytest.mark.parametrize("block", [pytest.param(b, id=_block_id(b), marks=_marks(b)) for b in SHELL])
def test_example_runs_as_written(block: Block, tmp_path: Path, request: pytest.FixtureRequest):
    problems = run_block(block, tmp_path, lambda: request.getfixturevalue("release_dir"))
    assert not problems, "\n\n".join(problems)


def test_a_command_that_fails_fails_the_test(tmp_path: Path):
    """The runner sees a failing example (so the examples above are checked, not only started)."""
    broken = Block("docs/broken.md", 0, "shell", "", (Command("sce validate no-such-directory"),))
    assert run_block(broken, tmp_path / "a", lambda: tmp_path)
    wrong_output = Block("docs/broken.md", 1, "shell", "", (Command("sce --help", ("no such line",)),))
    assert run_block(wrong_output, tmp_path / "b", lambda: tmp_path)
    right_output = Block("docs/broken.md", 2, "shell", "", (Command("sce --help", ("usage: sce",)),))
    assert not run_block(right_output, tmp_path / "c", lambda: tmp_path)


@pytest.mark.slow
def test_the_error_reference_shows_what_sce_validate_prints(tmp_path: Path):
    """docs/errors.md's sample error is what `sce validate` prints, with exit 1, when the row it
    names has its end date before its start date."""
    sample = next(source for language, source in code_blocks(REPO / "docs" / "errors.md") if language == "text")
    first, hint = (line.strip() for line in sample.strip().splitlines())
    path, line, column, rule, event_id = (part.strip() for part in first.split(":")[:5])
    checkout = copy_package(tmp_path / "checkout")
    csv_path = checkout / path
    rows = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = rows[0].rstrip("\n").split(",")
    cells = rows[int(line) - 1].split(",")
    assert cells[0] == event_id and rule == "date-order" and column == "date_end"
    start = cells[header.index("date_start")]
    cells[header.index(column)] = f"{int(start[:4]) - 1}{start[4:]}"  # a year before it starts
    rows[int(line) - 1] = ",".join(cells)
    csv_path.write_text("".join(rows), encoding="utf-8")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(["bash", "-c", "sce validate"], cwd=checkout, env=env, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 1, run.stderr[-2000:]
    printed = [x.strip() for x in (run.stdout + run.stderr).splitlines()]
    assert first in printed and printed[printed.index(first) + 1] == hint, (run.stdout + run.stderr)[-3000:]

