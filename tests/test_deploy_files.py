"""The deployment files name only real settings and real commands (they cannot be run here: no container engine)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import typer.main
import yaml

from avatar_creator import cli
from avatar_creator.settings import Settings

ROOT = Path(__file__).parent.parent
DEPLOY_FILES = ["Dockerfile", "compose.yaml", "Procfile", "deploy/systemd/avatar-creator.service",
                "deploy/systemd/avatar-creator-worker@.service", "docs/deploy.md"]
SETTING = re.compile(r"\bAVATAR_[A-Z0-9_]+\b")
# A command line: the program name then its words, up to the end of the line, a comment or a closing quote.
EXEC_FORM = re.compile(r'\["avatar-creator"(?:, "[^"]*")*\]')
COMMAND = re.compile(r"(?<![\w-])avatar-creator( [a-z][^`#'\"\n;|]*)")


def _commands(path: Path) -> list[str]:
    text = path.read_text()
    found = [match.group(1).strip() for match in COMMAND.finditer(text)]
    # Exec form, as in the Dockerfile's CMD and compose's command lists: ["avatar-creator", "serve", ...]
    found += [shlex.join(json.loads(match.group(0))[1:]) for match in EXEC_FORM.finditer(text)]
    return found


def _check_command(line: str) -> list[str]:
    """What is wrong with ``avatar-creator <line>``: an unknown (sub)command or an unknown option."""
    command = typer.main.get_command(cli.app)  # Typer's click: a group has ``commands``
    words = shlex.split(line.replace("$((", "").replace("))", ""))  # a shell sum stands for a number
    while words and hasattr(command, "commands") and not words[0].startswith("-"):
        name = words.pop(0)
        sub = command.commands.get(name)
        if sub is None:
            return [f"no command {name!r} in {line!r}"]
        command = sub
    if hasattr(command, "commands"):
        return [f"{line!r} names a group, not a command"]
    options = {option for param in command.params for option in (*param.opts, *param.secondary_opts)}
    return [f"unknown option {word.split('=')[0]!r} in {line!r}"
            for word in words if word.startswith("-") and word.split("=")[0] not in options]


@pytest.mark.parametrize("name", DEPLOY_FILES)
def test_every_avatar_setting_named_is_a_real_setting(name):
    named = {variable.removeprefix("AVATAR_").lower() for variable in SETTING.findall((ROOT / name).read_text())}
    # A name ending in "_" is a family (AVATAR_COST_*): some setting must start with it.
    unknown = sorted(variable for variable in named if variable not in Settings.model_fields
                     and not (variable.endswith("_") and any(map(lambda f: f.startswith(variable),
                                                                 Settings.model_fields))))
    assert unknown == []


@pytest.mark.parametrize("name", DEPLOY_FILES)
def test_every_command_is_a_real_cli_command_with_real_options(name):
    commands = _commands(ROOT / name)
    assert commands, f"{name} runs no avatar-creator command"
    assert [problem for line in commands for problem in _check_command(line)] == []


def test_the_check_catches_a_wrong_command_and_a_wrong_option():
    assert _check_command("serve --no-worker --host 0.0.0.0") == []
    assert _check_command("users set-role a@b.example admin") == []
    assert _check_command("serv") == ["no command 'serv' in 'serv'"]
    assert _check_command("worker --threads 2") == ["unknown option '--threads' in 'worker --threads 2'"]
    assert _check_command("users") == ["'users' names a group, not a command"]


def test_compose_runs_two_api_replicas_and_two_workers_after_healthy_backends():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    for role in ("api", "worker"):
        assert services[role]["deploy"]["replicas"] == 2
        depends = services[role]["depends_on"]
        assert {name: depends[name]["condition"] for name in ("postgres", "redis", "minio")} == \
               dict.fromkeys(("postgres", "redis", "minio"), "service_healthy")
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    for backend in ("postgres", "redis", "minio"):
        assert services[backend]["healthcheck"]["test"]
