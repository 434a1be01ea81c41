"""Releases: reproducible packing, content-hash ids, labels, pruning."""

import gzip
import io
import tarfile

import pytest

from fleetctl.build.archive import ReleaseError, pack
from fleetctl.deploy.release import releases_to_prune


def make_app(root):
    (root / "lib").mkdir(parents=True)
    (root / "server.js").write_text("console.log('hi')\n")
    (root / "lib" / "util.js").write_text("module.exports = 1\n")
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "node_modules" / "x" / "index.js").write_text("junk")
    return root


def names(release):
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(release.archive))) as tar:
        return sorted(tar.getnames())


def test_same_content_same_id_and_bytes(tmp_path):
    first = pack(make_app(tmp_path / "a"))
    second = pack(make_app(tmp_path / "b"))
    assert first.id == second.id and first.archive == second.archive and len(first.id) == 12


def test_a_change_changes_the_id(tmp_path):
    app = make_app(tmp_path / "a")
    before = pack(app).id
    (app / "server.js").write_text("console.log('v2')\n")
    assert pack(app).id != before


def test_node_modules_is_not_shipped_from_the_source(tmp_path):
    app = make_app(tmp_path / "a")
    assert names(pack(app)) == ["lib", "lib/util.js", "server.js"]


def test_a_version_label_names_the_release(tmp_path):
    assert pack(make_app(tmp_path / "a"), "v1.2.3").id == "v1.2.3"
    with pytest.raises(ReleaseError, match="label"):
        pack(make_app(tmp_path / "b"), "../evil")


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(ReleaseError, match="does not exist"):
        pack(tmp_path / "nope")


def test_pruning_keeps_the_newest_and_never_current_or_previous():
    releases = ["r6", "r5", "r4", "r3", "r2", "r1"]  # newest first
    assert releases_to_prune(releases, "r6", "r5", keep=3) == ["r3", "r2", "r1"]
    assert releases_to_prune(releases, "r1", "r2", keep=3) == ["r3"]
    assert releases_to_prune(releases[:2], "r6", None, keep=5) == []
