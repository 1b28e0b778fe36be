"""``FlaskForm``: a WTForms form bound to the current request (Flask-WTF's
``flask_wtf.form``)."""

from __future__ import annotations

import typing as t
from functools import cached_property

from markupsafe import Markup
from wtforms import Form
from wtforms.meta import DefaultMeta
from wtforms.widgets import HiddenInput

from erlen.ctx import has_request_context
from erlen.datastructures import CombinedMultiDict, ImmutableMultiDict
from erlen.exceptions import BadRequest
from erlen.globals import current_app, request, session

from .csrf import _FlaskFormCSRF

if t.TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping, Sequence

    from wtforms.fields.core import Field
    from wtforms.form import BaseForm

try:
    from .i18n import translations
except ImportError:  # Babel is not installed
    translations = None  # type: ignore[assignment]

__all__ = ["SUBMIT_METHODS", "FlaskForm", "Form"]

#: Methods for which a form counts as submitted.
SUBMIT_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class _AutoType:
    def __repr__(self) -> str:
        return "<formdata from the request>"


#: The default ``formdata``: take it from the current request.
_Auto: t.Any = _AutoType()


class FlaskForm(Form):
    """A WTForms :class:`~wtforms.Form` that reads the current request and has CSRF
    protection.

    Without a ``formdata`` argument, a submitted request's data is used: ``request.files``
    with ``request.form``, else ``request.form``, else a JSON object body. ``formdata=None``
    uses none. The CSRF settings come from the ``WTF_CSRF_*`` config, unless the form's
    ``class Meta`` sets ``csrf``, ``csrf_secret``, ``csrf_field_name`` or
    ``csrf_time_limit``.
    """

    class Meta(DefaultMeta):
        """Defaults read from the current app's config (once per form instance)."""

        csrf_class = _FlaskFormCSRF
        #: Unused by FlaskForm's CSRF; set for custom ``csrf_class`` implementations.
        csrf_context = session

        @cached_property
        def csrf(self) -> bool:  # type: ignore[override]
            """``WTF_CSRF_ENABLED`` (default ``True``)."""
            return bool(current_app.config.get("WTF_CSRF_ENABLED", True))

        @cached_property
        def csrf_secret(self) -> t.Any:  # type: ignore[override]
            """``WTF_CSRF_SECRET_KEY``, else the app's secret key."""
            return current_app.config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)

        @cached_property
        def csrf_field_name(self) -> str:  # type: ignore[override]
            """``WTF_CSRF_FIELD_NAME`` (default ``"csrf_token"``)."""
            return t.cast(str, current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))

        @cached_property
        def csrf_time_limit(self) -> int | None:
            """``WTF_CSRF_TIME_LIMIT`` in seconds (default 3600)."""
            return t.cast("int | None", current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600))

        def wrap_formdata(self, form: BaseForm, formdata: t.Any) -> t.Any:
            """Resolve the automatic ``formdata`` from the request; pass others to WTForms."""
            if formdata is not _Auto:
                return super().wrap_formdata(form, formdata)
            if not _is_submitted():
                return None
            if request.files:
                return CombinedMultiDict((request.files, request.form))
            if request.form:
                return request.form
            if request.is_json:
                data = request.get_json()
                if not isinstance(data, dict):
                    raise BadRequest("A JSON form submission must be an object.")
                return ImmutableMultiDict(data)
            return None

        def get_translations(self, form: BaseForm) -> t.Any:
            """Flask-WTF's i18n translations (see :mod:`erlen.ext.wtf.i18n`), or WTForms'
            own when ``WTF_I18N_ENABLED`` is ``False``."""
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return translations

    def __init__(self, formdata: t.Any = _Auto, **kwargs: t.Any) -> None:
        super().__init__(formdata=formdata, **kwargs)

    def is_submitted(self) -> bool:
        """Whether a request is active and its method is POST, PUT, PATCH or DELETE."""
        return _is_submitted()

    def validate_on_submit(
        self, extra_validators: Mapping[str, Sequence[t.Any]] | None = None
    ) -> bool:
        """``is_submitted() and validate()``."""
        return self.is_submitted() and self.validate(extra_validators=extra_validators)

    def hidden_tag(self, *fields: Field | str) -> Markup:
        """The form's hidden fields (those with a ``HiddenInput`` widget, like the CSRF
        token) rendered together; with ``fields`` (fields or names), only those of them
        that exist and are hidden."""

        def hidden(candidates: t.Iterable[Field | str]) -> t.Iterator[Field]:
            for f in candidates:
                field = getattr(self, f, None) if isinstance(f, str) else f
                if field is not None and isinstance(field.widget, HiddenInput):
                    yield field

        return Markup("\n".join(str(f) for f in hidden(fields or self)))


def _is_submitted() -> bool:
    return has_request_context() and request.method in SUBMIT_METHODS
