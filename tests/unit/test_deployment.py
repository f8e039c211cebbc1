"""The deployment recipe: compose.yaml, the Dockerfile, nginx's and systemd's files say what docs/operations.md says.

The image itself is built by tests/integration/test_image.py where a container engine runs.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def bots(services: dict[str, Any]) -> dict[str, Any]:
    return {name: service for name, service in services.items() if service.get("command") == ["run", "--webhook"]}


def test_compose_runs_postgresql_two_webhook_instances_and_a_proxy() -> None:
    services = compose()["services"]
    instances = bots(services)
    assert len(instances) == 2
    assert services["postgres"]["image"].startswith("postgres:")
    ids = {service["environment"]["P2C_INSTANCE_ID"] for service in instances.values()}
    assert len(ids) == 2, "each instance has its own stable name (outbox rows it took are its own after a restart)"
    for service in instances.values():
        environment = service["environment"]
        assert environment["P2C_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert environment["P2C_WEBHOOK_HOST"] == "0.0.0.0"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
        assert service["env_file"] == ".env", "the token and the webhook secret come from .env, shared"
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert set(services["proxy"]["depends_on"]) == set(instances)


def test_every_compose_variable_is_a_setting() -> None:
    known = {"P2C_" + name.upper() for name in Settings.model_fields}
    for service in compose()["services"].values():
        for name in service.get("environment", {}):
            assert not name.startswith("P2C_") or name in known, name
    for example in ("env.example", "p2c-bot.env"):
        for name in re.findall(r"^(P2C_[A-Z_]+)=", (ROOT / "deploy" / example).read_text(), flags=re.MULTILINE):
            assert name in known, (example, name)


def proxy_conf(webhook_path: str) -> str:
    """deploy/nginx.conf.template as nginx's image writes it at start (envsubst of the variables it is given)."""
    proxy = compose()["services"]["proxy"]
    template = proxy["volumes"][0].split(":")[1]
    assert template.startswith("/etc/nginx/templates/") and template.endswith(".template")
    assert proxy["environment"]["NGINX_ENVSUBST_OUTPUT_DIR"] + "/" + Path(template).name.removesuffix(".template") \
        == "/etc/nginx/nginx.conf"
    text = (ROOT / "deploy" / "nginx.conf.template").read_text()
    assert set(re.findall(r"\$\{(\w+)\}", text)) <= set(proxy["environment"])
    return text.replace("${P2C_WEBHOOK_PATH}", webhook_path)


def test_the_proxy_routes_the_webhook_path_the_instances_serve() -> None:
    """Operator tester: deploy/nginx.conf hard-coded /telegram/webhook, so a P2C_WEBHOOK_PATH set in .env made
    every update a 404 at the proxy."""
    default = Settings.model_fields["webhook_path"].default
    given = compose()["services"]["proxy"]["environment"]["P2C_WEBHOOK_PATH"]
    assert given == "${P2C_WEBHOOK_PATH:-" + default + "}", "the instances' path, from .env, as they default it"
    assert "location = /hook/a1b2 {" in proxy_conf("/hook/a1b2")


def test_the_proxy_balances_every_instance_and_routes_only_the_webhook() -> None:
    conf = proxy_conf(Settings.model_fields["webhook_path"].default)
    upstream = re.search(r"upstream p2c_bots \{(.*?)\}", conf, flags=re.DOTALL)
    assert upstream is not None
    servers = set(re.findall(r"server (\w+):8081", upstream.group(1)))
    assert servers == set(bots(compose()["services"]))
    routed = re.findall(r"location (?:= )?(\S+) \{", conf)
    assert routed == [Settings.model_fields["webhook_path"].default, "/"]
    assert "return 404" in conf.split("location / {")[1].split("}")[0]


def test_the_image_is_slim_non_root_and_checks_its_catalogs() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    assert next(line for line in lines if line.startswith("FROM")).endswith("-slim")
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["p2c-bot"]' in lines
    assert any("bot.catalogs check" in line for line in lines)
    assert any("fonts-noto-cjk" in line for line in lines)
    code = lines.index("COPY bot ./bot")
    assert any("pip install -r" in line for line in lines[:code]), "dependencies are a layer below the code's"
    assert any("pip install --no-deps -e ." in line for line in lines[code:])
    assert "chown p2c /data" in "\n".join(lines) and "ENV P2C_DATABASE_URL=sqlite+aiosqlite:////data/p2c.db" in lines, \
        "the default SQLite file is where the image's user may write (/app is root's)"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv"} <= set(ignored)


def test_the_systemd_unit_runs_one_polling_process_as_its_own_user() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "p2c-bot.service")
    service = unit["Service"]
    assert shlex.split(service["ExecStart"])[1:] == ["run"]
    assert service["User"] not in ("root", "0")
    steps = (ROOT / "deploy" / "p2c-bot.service").read_text().split("[Unit]")[0]
    assert "apt-get install fonts-noto-cjk" in steps, "`run` refuses to start without the CJK fonts (operator tester)"


def test_the_systemd_units_database_is_named_in_its_environment_file_alone() -> None:
    """Regression: the database URL was in the unit's Environment= line, so an operator who ran `admin grant` with
    /etc/p2c-bot.env wrote to a new, empty database in whatever folder they stood."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "p2c-bot.service")
    service = unit["Service"]
    assert service["EnvironmentFile"] == "/etc/p2c-bot.env"
    assert "P2C_DATABASE_URL" not in (ROOT / "deploy" / "p2c-bot.service").read_text().split("[Service]")[1]
    env = dict(line.split("=", 1) for line in (ROOT / "deploy" / "p2c-bot.env").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env["P2C_DATABASE_URL"].startswith(f"sqlite+aiosqlite:///{service['ReadWritePaths']}/")
    assert "deploy/p2c-bot.env /etc/p2c-bot.env" in (ROOT / "deploy" / "p2c-bot.service").read_text()


def test_a_log_retention_is_stated_only_where_the_recipe_keeps_it() -> None:
    """Regression: /privacy said logs were kept 30 days, while Docker's json-file driver and journald's defaults
    keep them by size (or forever). The systemd recipe's journal namespace deletes lines after 30 days and states
    it; compose bounds its logs by size and states no number of days."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "p2c-bot.service")
    namespace = unit["Service"]["LogNamespace"]
    journal = configparser.ConfigParser()
    journal.read(ROOT / "deploy" / f"journald@{namespace}.conf")
    kept = int(journal["Journal"]["MaxRetentionSec"].removesuffix("day"))
    per_file = int(journal["Journal"]["MaxFileSec"].removesuffix("day"))
    env = (ROOT / "deploy" / "p2c-bot.env").read_text()
    stated = re.search(r"^P2C_LOG_RETENTION_DAYS=(\d+)$", env, flags=re.MULTILINE)
    assert stated is not None, "the recipe that keeps a number of days states it"
    assert kept + per_file <= int(stated.group(1)), "a file goes once its newest line is past MaxRetentionSec"
    assert f"journald@{namespace}.conf /etc/systemd/" in (ROOT / "deploy" / "p2c-bot.service").read_text()
    for service in bots(compose()["services"]).values():
        assert service["logging"]["options"]["max-size"], "bounded, by size"
        assert "P2C_LOG_RETENTION_DAYS" not in service["environment"]
    assert not re.search(r"^P2C_LOG_RETENTION_DAYS=", (ROOT / "deploy" / "env.example").read_text(), re.MULTILINE)


def test_make_installs_the_cjk_font_only_when_it_can_and_never_fails_for_it(tmp_path: Path) -> None:
    """`make sandbox` on a fresh machine: no fonts-noto-cjk, and not root (faked here), is a line, not a failure."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for name, script in (("fc-list", "exit 0"), ("id", "echo 1000"), ("apt-get", "exit 100")):
        (fake / name).write_text(f"#!/bin/sh\n{script}\n")
        (fake / name).chmod(0o755)
    make = shutil.which("make")
    assert make is not None
    for uid in ("1000", "0"):  # not root; root whose apt-get fails (offline, say)
        (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n")
        done = subprocess.run([make, "-s", "fonts"], cwd=ROOT, env={"PATH": f"{fake}:/usr/bin:/bin"},
                              capture_output=True, text=True)
        assert done.returncode == 0 and "could not install fonts-noto-cjk" in done.stderr, done.stderr
