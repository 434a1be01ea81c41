"""The rollout: hosts in batches (Ansible's serial), failure thresholds, a record to resume from."""
