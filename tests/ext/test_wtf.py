"""erlen.ext.wtf forms: where ``FlaskForm`` takes its data, the form's own CSRF field,
``hidden_tag``, the ``Meta`` options and translations."""

from __future__ import annotations

import asyncio
import re

import pytest
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import HiddenInput

from erlen import g, render_template_string, request
from erlen.datastructures import MultiDict
from erlen.ext.wtf import FlaskForm, __version__
from erlen.ext.wtf.i18n import translations


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])
    tags = StringField()


@pytest.fixture
def echo(app):
    """POST / validates a NameForm and answers its data or its errors."""

    @app.route("/", methods=["GET", "POST"])
    def index():
        form = NameForm()
        if form.validate_on_submit():
            return {"data": form.data}
        return {"errors": form.errors, "submitted": form.is_submitted()}

    return app


def test_version_mirrored():
    assert __version__ == "1.3.0"


def test_form_data(echo, client):
    response = client.post("/", data={"name": "ada", "tags": "x"})
    assert response.json == {"data": {"name": "ada", "tags": "x"}}


def test_json_object(echo, client):
    response = client.post("/", json={"name": "ada"})
    assert response.json == {"data": {"name": "ada", "tags": None}}


@pytest.mark.parametrize("body", ["[1, 2]", '"name"', "3", "null"])
def test_json_that_is_not_an_object_is_a_400(echo, client, body):
    response = client.post("/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "must be an object" in response.text
    assert client.post("/", json={"name": "a"}).status_code == 200


def test_malformed_json_is_a_400(echo, client):
    response = client.post("/", data="{name", content_type="application/json")
    assert response.status_code == 400


def test_get_is_not_a_submission(echo, client):
    assert client.get("/?name=ada").json == {"errors": {}, "submitted": False}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_submit_methods(app, client, method):
    @app.route("/", methods=[method])
    def index():
        return str(NameForm().validate_on_submit())

    assert client.open("/", method=method, data={"name": "x"}).text == "True"


def test_explicit_formdata(app, client):
    @app.post("/")
    def index():
        from_args = NameForm(request.args)
        nothing = NameForm(None)
        given = NameForm(MultiDict([("name", "given")]))
        return [from_args.name.data, nothing.name.data, given.name.data]

    assert client.post("/?name=args", data={"name": "form"}).json == ["args", None, "given"]


def test_formdata_without_getlist_is_refused(req_ctx):
    with pytest.raises(TypeError, match="getlist"):
        NameForm({"name": "x"})


def test_form_outside_a_request(app_ctx):
    form = NameForm()
    assert not form.is_submitted()
    assert form.name.data is None


def test_async_view(app, client):
    @app.post("/")
    async def index():
        await asyncio.sleep(0)
        form = NameForm()
        return str(form.validate_on_submit())

    assert client.post("/", data={"name": "a"}).text == "True"
    assert client.post("/", data={}).text == "False"


# -- the form's CSRF field ------------------------------------------------------------------


class CSRFForm(FlaskForm):
    name = StringField()


@pytest.fixture
def csrf_app(app):
    @app.route("/", methods=["GET", "POST"])
    def index():
        form = CSRFForm()
        if form.validate_on_submit():
            return "ok"
        if form.errors:
            return form.csrf_token.errors[0], 400
        return render_template_string("<form>{{ form.hidden_tag() }}</form>", form=form)

    return app


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_form_csrf(csrf_app, client):
    token = _token(client.get("/").text)
    assert client.post("/", data={"name": "x"}).text == "The CSRF token is missing."
    assert client.post("/", data={"csrf_token": token}).text == "ok"
    assert client.post("/", data={"csrf_token": token + "x"}).text == "The CSRF token is invalid."
    # Another browser's session has another token (the form makes one as it is built).
    other = csrf_app.test_client()
    assert other.post("/", data={"csrf_token": token}).text == "The CSRF tokens do not match."


@pytest.mark.parametrize("value", [123, True, 1.5])
def test_form_csrf_token_of_another_json_type_is_invalid(csrf_app, client, value):
    client.get("/")  # the session has a token
    response = client.post("/", json={"csrf_token": value})
    assert (response.status_code, response.text) == (400, "The CSRF token is invalid.")


def test_form_csrf_time_limit(csrf_app, client):
    token = _token(client.get("/").text)
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = -1
    assert client.post("/", data={"csrf_token": token}).text == "The CSRF token has expired."
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = None
    assert client.post("/", data={"csrf_token": token}).text == "ok"


def test_form_csrf_disabled_by_config(csrf_app, client):
    csrf_app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/", data={}).text == "ok"
    assert "csrf_token" not in client.get("/").text


def test_form_csrf_meta_options(app, client):
    class Custom(FlaskForm):
        class Meta:
            csrf_field_name = "xsrf"
            csrf_secret = b"form secret"
            csrf_time_limit = 60

    @app.route("/", methods=["GET", "POST"])
    def index():
        form = Custom()
        if form.validate_on_submit():
            return "ok"
        return {"token": form.xsrf.current_token, "errors": form.errors}

    token = client.get("/").json["token"]
    assert client.post("/", data={"xsrf": token}).text == "ok"
    assert client.post("/", data={"csrf_token": token}).json["errors"] == {
        "xsrf": ["The CSRF token is missing."]
    }


def test_prefixed_form(app, client):
    @app.route("/", methods=["GET", "POST"])
    def index():
        form = CSRFForm(prefix="f")
        if form.validate_on_submit():
            return form.name.data
        return form.csrf_token.current_token

    token = client.get("/").text
    assert client.post("/", data={"f-csrf_token": token, "f-name": "pre"}).text == "pre"


def test_token_is_cached_per_request(app, client):
    @app.route("/")
    def index():
        first, second = CSRFForm(), CSRFForm()
        return [first.csrf_token.current_token, second.csrf_token.current_token, g.csrf_token]

    tokens = client.get("/").json
    assert tokens[0] == tokens[1] == tokens[2]


def test_hidden_tag(req_ctx):
    class F(FlaskForm):
        key = HiddenField()
        count = IntegerField(widget=HiddenInput())
        name = StringField()

    form = F()
    out = form.hidden_tag()
    assert all(f'name="{n}"' in out for n in ("csrf_token", "key", "count"))
    assert 'name="name"' not in out
    only = form.hidden_tag("count", form.key, "name", "missing")
    assert 'name="count"' in only and 'name="key"' in only
    assert "csrf_token" not in only and 'name="name"' not in only


# -- translations ---------------------------------------------------------------------------


class LongNameForm(FlaskForm):
    class Meta:
        csrf = False
        locales = ["es"]

    name = StringField(validators=[DataRequired(), Length(min=8)])


def test_messages_default_to_english(app, client):
    @app.post("/")
    def index():
        form = LongNameForm()
        form.validate()
        return form.name.errors[0]

    assert client.post("/", data={"name": " "}).text == "This field is required."
    app.config["WTF_I18N_ENABLED"] = False
    assert client.post("/", data={"name": " "}).text == "Este campo es obligatorio."


def test_translations_without_babel_battery(app, client):
    assert translations.gettext("This field is required.") == "This field is required."
    singular, plural = "%(num)d character", "%(num)d characters"
    assert translations.ngettext(singular, plural, 1) == singular
    assert translations.ngettext(singular, plural, 3) == plural

    app.extensions["babel"] = object()  # a Babel extension, but no erlen.ext.babel to ask

    @app.route("/")
    def index():
        return translations.gettext("This field is required.")

    assert client.get("/").text == "This field is required."


def test_form_in_template(app, client):
    @app.route("/", methods=["GET", "POST"])
    def index():
        form = NameForm()
        return render_template_string("{{ form.name(class_='in') }}", form=form)

    page = client.post("/", data={"name": 'a"b'}).text
    assert 'value="a&#34;b"' in page or 'value="a&quot;b"' in page
    assert 'class="in"' in page
