"""Fixture for golden's junit tests: every outcome pytest reports."""

import sys

import pytest


def test_passes():
    assert 1 + 1 == 2


def test_fails():
    print("checking the metals")
    assert "golden" == "silver", "metals differ"


@pytest.mark.skip(reason="not on this platform")
def test_skipped():
    pass


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False


@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")


def test_error(broken):
    pass


class TestGroup:
    @pytest.mark.parametrize("n", [1, 2])
    def test_param(self, n):
        print("stderr of", n, file=sys.stderr)
        assert n == 1
