import pytest

from orchestrator.engine.config import EngineConfig


def test_defaults_then_environment_then_overrides():
    assert EngineConfig.from_env({}).db_path == "data/orchestrator.db"
    cfg = EngineConfig.from_env(
        {
            "ORCHESTRATOR_DATA_DIR": "/srv/x",
            "ORCHESTRATOR_TIME_SCALE": "0.01",
            "ORCHESTRATOR_WORKERS": "3",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "ORCHESTRATOR_SCALE_TASK_TIMEOUTS": "true",
        },
        account="999999999999",
    )
    assert (
        cfg.db_path,
        cfg.time_scale,
        cfg.workers,
        cfg.region,
        cfg.account,
        cfg.scale_task_timeouts,
    ) == ("/srv/x/orchestrator.db", 0.01, 3, "eu-west-1", "999999999999", True)
    assert (
        EngineConfig.from_env(
            {"ORCHESTRATOR_DB": "/tmp/j.db", "ORCHESTRATOR_REGION": "ap-south-1"}
        ).db_path
        == "/tmp/j.db"
    )


@pytest.mark.parametrize("field,value", [("time_scale", 0), ("time_scale", -1), ("workers", 0)])
def test_invalid_settings(field, value):
    with pytest.raises(ValueError):
        EngineConfig(**{field: value})
