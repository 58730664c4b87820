"""Waiting costs a timer entry, not a thread; many executions run concurrently."""

import threading

from engine_helpers import PASS, create, definition


def test_hundreds_of_waiting_executions_hold_no_threads(make_engine):
    engine = make_engine(time_scale=1.0, workers=4)
    sm = create(engine, defn=definition({"W": {"Type": "Wait", "Seconds": 100000, "End": True}}))
    threads_before = threading.active_count()
    arns = [engine.start_execution({"stateMachineArn": sm})["executionArn"] for _ in range(300)]
    running = engine.list_executions(
        {"stateMachineArn": sm, "statusFilter": "RUNNING", "maxResults": 1000}
    )["executions"]
    assert len(running) == 300
    # Wait until every one has reached its Wait state (its timer is armed).
    import time

    deadline = time.monotonic() + 30
    while engine.stats()["timers"] < 300 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert engine.stats()["timers"] >= 300
    assert threading.active_count() <= threads_before + 1
    for arn in arns[:10]:
        engine.stop_execution({"executionArn": arn})
    assert threading.active_count() <= threads_before + 1


def test_concurrent_starts_from_many_threads(make_engine, invoker):
    engine = make_engine(workers=8)
    sm = create(
        engine,
        defn=definition(
            {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::http:invoke",
                    "Parameters": {"i.$": "$.i"},
                    "Next": "W",
                },
                "W": {"Type": "Wait", "Seconds": 5, "End": True},
            }
        ),
    )
    arns: list = []
    lock = threading.Lock()

    def starter(offset):
        for i in range(25):
            arn = engine.start_execution(
                {
                    "stateMachineArn": sm,
                    "name": f"e{offset}-{i}",
                    "input": f'{{"i": {offset * 100 + i}}}',
                }
            )
            with lock:
                arns.append(arn["executionArn"])

    threads = [threading.Thread(target=starter, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outputs = {engine.wait_for(arn, 30)["output"] for arn in arns}
    assert len(arns) == 200 and len(outputs) == 200
    assert len(invoker.calls) == 200


def test_pass_throughput_smoke(engine):
    """Not a benchmark (bench/ has that): 200 short executions finish well inside the
    timeout, i.e. the driver batches them."""
    sm = create(engine, defn=PASS)
    arns = [engine.start_execution({"stateMachineArn": sm})["executionArn"] for _ in range(200)]
    assert all(engine.wait_for(a, 30)["status"] == "SUCCEEDED" for a in arns)
