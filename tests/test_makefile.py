"""`make run` and `make serve` point SITE_URL (canonical links, feeds, the sitemap, mails)
at the port they serve on, unless SITE_URL is set. Run against a copy of the Makefile whose
.venv holds stand-ins for python and gunicorn that record what they were started with."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECORDER = """#!/bin/sh
echo "$(basename "$0") $* SITE_URL=${SITE_URL-<unset>}" >> "$(dirname "$0")/calls.log"
# The server runs a while, as a real one does: the mail sender started beside it in the
# background (and stopped when it ends) has time to start.
case "$*" in *runserver*) sleep 2 ;; esac
"""


@pytest.fixture
def project(tmp_path):
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("python", "gunicorn"):
        (bin_dir / tool).write_text(RECORDER)
        (bin_dir / tool).chmod(0o755)
    (bin_dir / ".runtime").touch()  # newer than requirements.txt: nothing to install
    return tmp_path


def make(project, *args, env=None):
    environment = {key: value for key, value in os.environ.items() if key not in {"SITE_URL", "ENV_FILE"}}
    environment.update(env or {})
    subprocess.run(  # noqa: S603 (make, with the test's own arguments)
        ["make", "--no-print-directory", *args],  # noqa: S607
        cwd=project,
        env=environment,
        check=True,
        capture_output=True,
    )
    calls = (project / ".venv" / "bin" / "calls.log").read_text().splitlines()
    return {call.split()[2] if call.startswith("python") else "gunicorn": call for call in calls}


def site_url(call):
    return call.rsplit("SITE_URL=", 1)[1]


def test_make_run_points_site_url_at_its_port(project):
    calls = make(project, "run", "PORT=8123")
    assert "runserver 127.0.0.1:8123" in calls["runserver"]
    # The server, the demo content and the mail sender all build URLs for that port.
    for command in ("runserver", "load_demo", "send_notifications"):
        assert site_url(calls[command]) == "http://127.0.0.1:8123", command


def test_make_run_without_a_port_is_the_documented_8000(project):
    assert site_url(make(project, "run")["runserver"]) == "http://127.0.0.1:8000"


def test_make_serve_points_site_url_at_its_host_and_port(project):
    calls = make(project, "serve", "PORT=8124", "HOST=localhost")
    assert "--bind localhost:8124" in calls["gunicorn"]
    assert site_url(calls["gunicorn"]) == "http://localhost:8124"


def test_a_server_on_every_interface_gets_a_url_a_browser_can_open(project):
    calls = make(project, "serve", "PORT=8125", "HOST=0.0.0.0")  # noqa: S104
    assert site_url(calls["gunicorn"]) == "http://127.0.0.1:8125"


def test_site_url_set_in_the_environment_wins(project):
    calls = make(project, "run", "PORT=8126", env={"SITE_URL": "https://podium.example"})
    assert site_url(calls["runserver"]) == "https://podium.example"


def test_site_url_on_the_command_line_wins(project):
    calls = make(project, "serve", "PORT=8127", "SITE_URL=https://tunnel.example")
    assert site_url(calls["gunicorn"]) == "https://tunnel.example"


def test_site_url_in_the_env_file_is_left_to_the_settings(project):
    (project / ".env").write_text("SECRET_KEY=local\nSITE_URL=https://from-env-file.example\n")
    calls = make(project, "serve", "PORT=8128")
    assert site_url(calls["gunicorn"]) == "<unset>"  # so config/settings.py reads the file's
    other = project / "local.env"
    other.write_text("export SITE_URL=https://other.example\n")
    (project / ".venv" / "bin" / "calls.log").unlink()
    calls = make(project, "run", "PORT=8129", env={"ENV_FILE": str(other)})
    assert site_url(calls["runserver"]) == "<unset>"
