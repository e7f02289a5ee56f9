"""The Terms and DPA texts: public, linked from sign-up and the legal gate; the header
offers the other way in on /login and /signup, never a link to the page itself."""

from __future__ import annotations

from typing import Any


def test_legal_texts_are_public_and_linked_from_signup(client: Any) -> None:
    for path, title in (("/legal/terms", "Keel Terms of Service"),
                        ("/legal/dpa", "Keel Data Processing Agreement")):
        page = client.get(path)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert title in html and "Version v1" in html
    signup = client.get("/signup").get_data(as_text=True)
    assert 'href="/legal/terms"' in signup and 'href="/legal/dpa"' in signup


def test_header_links_never_point_at_the_current_page(client: Any) -> None:
    login = client.get("/login").get_data(as_text=True)
    header = login.split("</header>")[0]
    assert 'href="/login"' not in header and 'href="/signup"' in header
    signup = client.get("/signup").get_data(as_text=True).split("</header>")[0]
    assert 'href="/signup"' not in signup and 'href="/login"' in signup
