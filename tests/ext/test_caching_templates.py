"""erlen.ext.caching: the ``{% cache %}`` template tag."""

from __future__ import annotations

import logging

import pytest

from erlen import render_template, render_template_string
from erlen.ext.caching import Cache, make_template_fragment_key


def test_fragment_is_cached_by_name_and_vary_on(app, client, cache, counter):
    template = (
        "{% cache 60, 'menu', user %}menu {{ user }} {{ n() }}{% endcache %}"
        " | {% cache 60, 'footer' %}footer {{ n() }}{% endcache %}"
        " | live {{ n() }}"
    )

    @app.get("/<user>")
    def page(user):
        return render_template_string(template, user=user, n=lambda: next(counter))

    assert client.get("/ann").data == b"menu ann 0 | footer 1 | live 2"
    assert client.get("/ann").data == b"menu ann 0 | footer 1 | live 3"
    assert client.get("/bob").data == b"menu bob 4 | footer 1 | live 5"
    with app.app_context():
        assert cache.get(make_template_fragment_key("menu", vary_on=["ann"])) == "menu ann 0"
        assert cache.get(make_template_fragment_key("footer")) == "footer 1"


def test_fragment_timeout(app, cache, counter, cachelib_clock):
    template = "{% cache 5, 'f' %}{{ n() }}{% endcache %}"
    with app.test_request_context():
        assert render_template_string(template, n=lambda: next(counter)) == "0"
        cachelib_clock.advance(4)
        assert render_template_string(template, n=lambda: next(counter)) == "0"
        cachelib_clock.advance(2)
        assert render_template_string(template, n=lambda: next(counter)) == "1"


def test_del_timeout_deletes_and_renders(app, cache, counter):
    cached = "{% cache 60, 'f' %}{{ n() }}{% endcache %}"
    delete = "{% cache 'del', 'f' %}{{ n() }}{% endcache %}"
    with app.test_request_context():
        assert render_template_string(cached, n=lambda: next(counter)) == "0"
        assert render_template_string(delete, n=lambda: next(counter)) == "1"
        assert cache.get(make_template_fragment_key("f")) is None
        assert render_template_string(cached, n=lambda: next(counter)) == "2"


def test_unnamed_fragment_is_keyed_by_template_and_line(app, cache, tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("\n{% cache None %}{{ v }}{% endcache %}")
    with app.test_request_context():
        assert render_template("page.html", v="x") == "\nx"
        path = tmp_path / "templates" / "page.html"
        assert cache.get(make_template_fragment_key(f"{path}2")) == "x"
        assert render_template_string("{% cache 9 %}{{ v }}{% endcache %}", v="y") == "y"
        assert cache.get(make_template_fragment_key("None1")) == "y"


def test_fragment_keys():
    assert make_template_fragment_key("a") == "_template_fragment_cache_a"
    assert make_template_fragment_key("a", vary_on=["x", "y"]) == "_template_fragment_cache_a_x_y"


def test_without_the_jinja_extension(app):
    Cache(app, with_jinja2_ext=False, config={"CACHE_TYPE": "SimpleCache"})
    with app.test_request_context(), pytest.raises(Exception, match="cache"):
        render_template_string("{% cache 1 %}x{% endcache %}")


class BrokenCache(Cache):
    def get(self, *args, **kwargs):
        raise ConnectionError("backend down")


def test_backend_errors_render_uncached(app, counter, caplog):
    BrokenCache(app, config={"CACHE_TYPE": "SimpleCache"})
    template = "{% cache 60, 'f' %}{{ n() }}{% endcache %}"
    with app.test_request_context(), caplog.at_level(logging.ERROR, "erlen.ext.caching"):
        assert render_template_string(template, n=lambda: next(counter)) == "0"
        assert render_template_string(template, n=lambda: next(counter)) == "1"
    assert "cache backend" in caplog.text
    app.debug = True
    with app.test_request_context(), pytest.raises(ConnectionError):
        render_template_string(template, n=lambda: next(counter))


def test_in_an_async_view(app, client, cache, counter):
    @app.get("/")
    async def page():
        return render_template_string(
            "{% cache 60, 'f' %}{{ n() }}{% endcache %}", n=lambda: next(counter)
        )

    assert client.get("/").data == b"0"
    assert client.get("/").data == b"0"
