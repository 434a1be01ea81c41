"""The lab's images: the builder image's recipe covers the host image's, its own files and the npm pin."""

from fleetctl.lab.images import BUILDER_IMAGE_DIR, IMAGES_DIR, ImageRecipe


def test_builder_recipe_covers_the_host_image_and_the_npm_pin():
    recipe = ImageRecipe("amd64")
    assert recipe.builder_tag == "fleetctl-lab/builder:amd64"
    assert recipe.builder_hash() == ImageRecipe("amd64").builder_hash()
    assert recipe.builder_hash() != ImageRecipe("arm64").builder_hash()
    assert recipe.builder_hash() not in (recipe.host_hash(), recipe.base_hash())
    assert recipe.builder_hash(npm_version="10.9.8") != recipe.builder_hash()
    assert recipe.builder_hash(npm_integrity="sha512-other") != recipe.builder_hash()


def test_the_builder_files_leave_the_host_image_recipe_alone():
    # The host image's hash covers every file in images/: the builder's live apart so that adding or
    # changing them never rebuilds the host image (nor restarts a running lab's hosts).
    assert BUILDER_IMAGE_DIR.parent == IMAGES_DIR.parent and BUILDER_IMAGE_DIR != IMAGES_DIR
    assert "FROM fleetctl-lab/host:${ARCH}" in (BUILDER_IMAGE_DIR / "Dockerfile").read_text()
