"""npm's failures become one line: its headline, a compiler's first error, its last lines (recorded npm 11 stderr)."""

from pathlib import Path

from fleetctl.build.errors import BuildFailed, BuildInputError, npm_reason
from fleetctl.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_compile_error_leads_and_node_gyps_environment_dump_is_left_out():
    stderr = (FIXTURES / "npm-rebuild-compile-error.stderr").read_text()
    failed = BuildFailed.from_npm("pi-builder", "npm rebuild", stderr)
    assert str(failed) == (
        "pi-builder: npm rebuild failed: command sh -c node-gyp rebuild | ../hello.c:13:1: error: expected"
        " declaration specifiers or ‘...’ at end of input | gyp ERR! build error | gyp ERR! stack Error: `make`"
        " failed with exit code: 2")


def test_a_registry_that_refuses_gives_npms_reason_not_its_stack():
    stderr = (FIXTURES / "npm-ci-registry-refused.stderr").read_text()
    assert npm_reason(stderr) == (
        "FetchError: request to http://127.0.0.1:9/is-number failed, reason: connect ECONNREFUSED 127.0.0.1:9"
        " | If you are behind a proxy, please make sure that the 'proxy' config is set properly.  See: 'npm help"
        " config'")


def test_a_404_is_its_headline_without_npms_hints():
    stderr = (FIXTURES / "npm-ci-not-found.stderr").read_text()
    assert npm_reason(stderr) == (
        "404 Not Found - GET https://registry.npmjs.org/fleetctl-test-no-such-package-7c1e/-/"
        "fleetctl-test-no-such-package-7c1e-1.0.0.tgz")


def test_no_stderr_at_all_still_says_something():
    assert npm_reason("\n\n") == "no message (exit code only)"


def test_bad_build_input_is_bad_input():
    assert issubclass(BuildInputError, InputError)
    assert str(BuildInputError("has dependencies", "app/package.json", 3)) == "app/package.json:3: has dependencies"
