"""The ipp command line: tokens, and `ipp up` refusing a taken port with a clear message."""
import socket
import subprocess
import sys

from typer.testing import CliRunner

from ipp.cli import app
from ipp.launcher import Platform
from libs.common.auth import Role, decode_token
from libs.common.broker import free_port
from libs.common.config import DEV_JWT_SECRET

runner = CliRunner()


def test_token_prints_a_token_for_the_role_and_city():
    result = runner.invoke(app, ["token", "--role", "city-officer", "--city", "420500", "--sub", "officer-1"])
    assert result.exit_code == 0, result.output
    p = decode_token(DEV_JWT_SECRET, result.output.strip())
    assert (p.role, p.city, p.sub) == (Role.CITY_OFFICER, "420500", "officer-1")


def test_token_refuses_bad_role_city_and_missing_scope():
    assert runner.invoke(app, ["token", "--role", "root"]).exit_code != 0
    bad_city = runner.invoke(app, ["token", "--role", "city-officer", "--city", "420106"])
    assert bad_city.exit_code != 0 and "420100" in bad_city.output  # says which city the county belongs to
    assert runner.invoke(app, ["token", "--role", "city-officer"]).exit_code != 0
    assert runner.invoke(app, ["token", "--role", "bank"]).exit_code != 0


def test_up_exits_with_a_clear_message_when_a_port_is_taken(tmp_path, capsys):
    holder = socket.socket()
    holder.bind(("127.0.0.1", free_port(38001)))
    holder.listen()
    taken = holder.getsockname()[1]
    try:
        platform = Platform(var_dir=tmp_path / "var", ports={"enterprise": taken, "reporting": free_port(taken + 1)},
                            worker_metrics_port=free_port(taken + 2))
        assert platform.run() == 1
    finally:
        holder.close()
    out = capsys.readouterr().out
    assert f"端口 {taken} 已被占用" in out and "enterprise" in out
    assert not (tmp_path / "var" / "enterprise.db").exists()  # nothing was started


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "ipp.cli", "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("up", "serve", "worker", "migrate", "token", "replay", "demo"):
        assert command in out
