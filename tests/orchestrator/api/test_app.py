"""The app factory (definition registration) and the `serve` command's gunicorn options."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine

from orchestrator.__main__ import build_parser
from orchestrator.api import create_app, server
from orchestrator.api.server import gunicorn_options


def test_registers_the_configured_directory(tmp_path):
    engine = FakeEngine()
    create_app(engine, {"STATEMACHINES_DIR": str(tmp_path)})
    assert [str(p) for p in engine.registered] == [str(tmp_path)]


def test_directory_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_STATEMACHINES_DIR", str(tmp_path))
    engine = FakeEngine()
    create_app(engine)
    assert [str(p) for p in engine.registered] == [str(tmp_path)]


@pytest.mark.parametrize("directory", ["", "/definitely/not/here"], ids=["disabled", "missing"])
def test_nothing_registered_without_a_directory(directory):
    engine = FakeEngine()
    create_app(engine, {"STATEMACHINES_DIR": directory})
    assert engine.registered == []


def test_a_failing_registration_stops_the_start(tmp_path):
    class Broken(FakeEngine):
        def register_directory(self, path):
            raise ValueError("bad definition in order_flow.asl.json")

    with pytest.raises(ValueError, match="order_flow"):
        create_app(Broken(), {"STATEMACHINES_DIR": str(tmp_path)})


def test_one_worker_with_threads_because_the_engine_is_in_process():
    options = gunicorn_options("127.0.0.1", 9999)
    assert (options["bind"], options["workers"], options["worker_class"]) == (
        "127.0.0.1:9999",
        1,
        "gthread",
    )
    assert options["threads"] == server.THREADS == 32


@pytest.mark.parametrize(
    "argv, host, port",
    [
        (["serve"], None, None),
        (["serve", "--host", "0.0.0.0", "--port", "9000"], "0.0.0.0", 9000),
    ],
    ids=["defaults", "explicit"],
)
def test_serve_subcommand_arguments(argv, host, port):
    args = build_parser().parse_args(argv)
    assert (args.host, args.port, args.func.__name__) == (host, port, "cmd_serve")


def test_gunicorn_conf_module_binds_from_the_environment(monkeypatch):
    import importlib

    import orchestrator.api.gunicorn_conf as conf

    monkeypatch.setenv("ORCHESTRATOR_HOST", "0.0.0.0")
    monkeypatch.setenv("ORCHESTRATOR_PORT", "9100")
    conf = importlib.reload(conf)
    assert (conf.bind, conf.workers, conf.worker_class, conf.threads) == (
        "0.0.0.0:9100",
        1,
        "gthread",
        32,
    )
    monkeypatch.delenv("ORCHESTRATOR_HOST")
    monkeypatch.delenv("ORCHESTRATOR_PORT")
    assert importlib.reload(conf).bind == "127.0.0.1:8083"
