"""One check for every `next` a redirect follows (issue 14, item 2): a path of this site or the fallback."""
from __future__ import annotations

import pytest

from app.shell.redirects import local_path

OFF_SITE = [
    "/\t/evil.example/", "/\n/evil.example/", "/\r/evil.example", "\t//evil.example", " //evil.example",
    "//evil.example/x", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
    "https://evil.example/", "http:/evil.example", "javascript:alert(1)", "evil.example", "/\x00/evil.example",
    "/\u2028/evil.example", "/\u200b/evil.example", "／／evil.example", "", None, "/" + "a" * 5000,
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_anything_that_could_leave_the_site_falls_back(target):
    assert local_path(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/", "/profile", "/receiving/3?x=1", "/admin/products?q=%E7%B7%91&page=2",
                                    "/admin/locations?zone=A#row-3", "/%2F%2Fevil.example"])
def test_a_path_of_this_site_is_kept(target):
    assert local_path(target, "/home") == target
