"""Archives: a release's digest stays its content hash under a label; an artifact keeps node_modules and links;
unpacking refuses what would land outside its folder."""

import gzip
import io
import tarfile

import pytest

from fleetctl.build.archive import ReleaseError, pack, pack_tree, unpack


def make_app(root):
    (root / "node_modules" / "dep").mkdir(parents=True)
    (root / "node_modules" / ".bin").mkdir()
    (root / "server.js").write_text("require('dep')\n")
    (root / "node_modules" / "dep" / "index.js").write_text("module.exports = 1\n")
    (root / "node_modules" / "dep" / "cli.js").write_text("#!/usr/bin/env node\n")
    (root / "node_modules" / "dep" / "cli.js").chmod(0o755)
    (root / "node_modules" / ".bin" / "dep").symlink_to("../dep/cli.js")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref\n")
    return root


def names(archive: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive))) as tar:
        return sorted(tar.getnames())


def test_the_digest_is_the_content_hash_with_or_without_a_label(tmp_path):
    app = make_app(tmp_path / "app")
    plain, labelled = pack(app), pack(app, "v1")
    assert plain.id == plain.digest and len(plain.digest) == 12
    assert (labelled.id, labelled.digest) == ("v1", plain.digest)


def test_a_tree_is_packed_with_its_node_modules_and_links_reproducibly(tmp_path):
    first, second = pack_tree(make_app(tmp_path / "a")), pack_tree(make_app(tmp_path / "b"))
    assert first == second
    assert names(first) == ["node_modules", "node_modules/.bin", "node_modules/.bin/dep", "node_modules/dep",
                            "node_modules/dep/cli.js", "node_modules/dep/index.js", "server.js"]
    unpack(first, tmp_path / "out")
    out = tmp_path / "out"
    assert (out / "node_modules" / ".bin" / "dep").readlink().as_posix() == "../dep/cli.js"
    assert (out / "node_modules" / ".bin" / "dep").read_text() == "#!/usr/bin/env node\n"
    assert (out / "node_modules" / "dep" / "cli.js").stat().st_mode & 0o111


def _tar_of(info: tarfile.TarInfo, data: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info.size = len(data or b"")
        tar.addfile(info, io.BytesIO(data) if data else None)
    return gzip.compress(buffer.getvalue())


def test_unpack_refuses_an_entry_outside_its_folder_and_keeps_absolute_ones_inside(tmp_path):
    with pytest.raises(tarfile.TarError):
        unpack(_tar_of(tarfile.TarInfo("../escaped"), b"x"), tmp_path / "out")
    assert not (tmp_path / "escaped").exists()
    unpack(_tar_of(tarfile.TarInfo("/etc/escaped"), b"x"), tmp_path / "out")
    assert (tmp_path / "out" / "etc" / "escaped").read_bytes() == b"x"


def test_unpack_refuses_a_link_out_of_its_folder(tmp_path):
    link = tarfile.TarInfo("link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    with pytest.raises(tarfile.TarError):
        unpack(_tar_of(link), tmp_path / "out")


# --- pack: a release from an app's source folder ----------------------------------------


def make_source_app(root):
    (root / "lib").mkdir(parents=True)
    (root / "server.js").write_text("console.log('hi')\n")
    (root / "lib" / "util.js").write_text("module.exports = 1\n")
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "node_modules" / "x" / "index.js").write_text("junk")
    return root


def release_names(release):
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(release.archive))) as tar:
        return sorted(tar.getnames())


def test_same_content_same_id_and_bytes(tmp_path):
    first = pack(make_source_app(tmp_path / "a"))
    second = pack(make_source_app(tmp_path / "b"))
    assert first.id == second.id and first.archive == second.archive and len(first.id) == 12


def test_a_change_changes_the_id(tmp_path):
    app = make_source_app(tmp_path / "a")
    before = pack(app).id
    (app / "server.js").write_text("console.log('v2')\n")
    assert pack(app).id != before


def test_node_modules_is_not_shipped_from_the_source(tmp_path):
    app = make_source_app(tmp_path / "a")
    assert release_names(pack(app)) == ["lib", "lib/util.js", "server.js"]


def test_a_version_label_names_the_release(tmp_path):
    assert pack(make_source_app(tmp_path / "a"), "v1.2.3").id == "v1.2.3"
    with pytest.raises(ReleaseError, match="label"):
        pack(make_source_app(tmp_path / "b"), "../evil")


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(ReleaseError, match="does not exist"):
        pack(tmp_path / "nope")
