"""The rollout record: which hosts are done, saved for --resume."""

from fleetctl.rollout import record as records


def test_rollout_record_round_trips(tmp_path):
    record = records.RolloutRecord(str(tmp_path / "prod.yaml"), "deploy", "abc")
    record.hosts.update({"web1": "deployed", "web2": "failed"})
    records.save(record, tmp_path)
    loaded = records.load(tmp_path / "prod.yaml", tmp_path)
    assert loaded == record and loaded.done_hosts() == {"web1"}
