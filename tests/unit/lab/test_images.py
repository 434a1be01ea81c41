"""The lab's images: the base image per architecture, a hash per recipe; the builder image's recipe covers the
host image's, its own files and the npm pin."""

from fleetctl.lab.images import BUILDER_IMAGE_DIR, IMAGES_DIR, ImageRecipe, base_tag_from_dockerfile


def test_dockerfile_names_the_base_image_per_architecture():
    dockerfile = "ARG ARCH=amd64\nFROM fleetctl-lab/debian:bookworm-${ARCH}\nRUN true\n"
    assert base_tag_from_dockerfile(dockerfile, "arm64") == "fleetctl-lab/debian:bookworm-arm64"
    assert ImageRecipe("amd64").base_tag == "fleetctl-lab/debian:bookworm-amd64"


def test_recipes_differ_per_architecture():
    assert ImageRecipe("amd64").host_hash() != ImageRecipe("arm64").host_hash()
    assert ImageRecipe("amd64").host_hash() == ImageRecipe("amd64").host_hash()


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
