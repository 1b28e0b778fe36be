"""The web forms (erlen.ext.wtf on WTForms); each carries the CSRF token of the session."""

from __future__ import annotations

import re
import typing as t

from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from erlen.ext.login import current_user
from erlen.ext.wtf import FlaskForm

from .models import User

USERNAME_RULE = Regexp(r"^[A-Za-z0-9_.-]+$", message="Use letters, digits, '.', '_' and '-' only.")
# Enough to catch typing mistakes; whether the address works is only known by writing to it.
EMAIL_RULE = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address.")
TAG_PATTERN = re.compile(r"[\w .+#-]{1,32}")
MAX_TAGS = 8


def parse_tags(text: str) -> list[str]:
    """``"Python, web ,python"`` → ``["python", "web"]``: lower case, no blanks or repeats."""
    names = (name.strip().lower() for name in text.split(","))
    return list(dict.fromkeys(name for name in names if name))


class RegisterForm(FlaskForm):
    """Sign up: a unique user name and email address, a password typed twice."""

    username = StringField("Username", validators=[DataRequired(), Length(3, 32), USERNAME_RULE])
    email = StringField("Email", validators=[DataRequired(), Length(max=254), EMAIL_RULE])
    password = PasswordField("Password", validators=[DataRequired(), Length(8, 256)])
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )

    def validate_username(self, field: StringField) -> None:
        """Refuse a name that is taken (whatever its case)."""
        if User.by_username(field.data) is not None:
            raise ValidationError("This username is taken.")

    def validate_email(self, field: StringField) -> None:
        """Refuse an address that another account has."""
        if User.by_email(field.data) is not None:
            raise ValidationError("An account with this email address exists.")


class LoginForm(FlaskForm):
    """Log in with a user name and password; optionally stay logged in."""

    username = StringField("Username", validators=[DataRequired(), Length(max=32)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember_me = BooleanField("Keep me logged in")


class ProfileForm(FlaskForm):
    """The current user's email address and a few words about them."""

    email = StringField("Email", validators=[DataRequired(), Length(max=254), EMAIL_RULE])
    about = TextAreaField("About me", validators=[Length(max=2000)])

    def validate_email(self, field: StringField) -> None:
        """Refuse an address that another account has."""
        owner = User.by_email(field.data)
        if owner is not None and owner.id != current_user.id:
            raise ValidationError("An account with this email address exists.")


class PostForm(FlaskForm):
    """Write or edit a post."""

    title = StringField("Title", validators=[DataRequired(), Length(max=120)])
    body = TextAreaField("Text", validators=[DataRequired(), Length(max=50_000)])
    tags = StringField("Tags (separated by commas)", validators=[Length(max=400)])
    published = BooleanField("Published")

    def validate_tags(self, field: StringField) -> None:
        """At most :data:`MAX_TAGS` tags, each matching :data:`TAG_PATTERN`."""
        names = parse_tags(field.data or "")
        if len(names) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags.")
        for name in names:
            if not TAG_PATTERN.fullmatch(name):
                raise ValidationError(
                    f"Tag {name!r}: up to 32 letters, digits, spaces and '.+#-_'."
                )

    @property
    def tag_names(self) -> list[str]:
        """The submitted tags, parsed."""
        return parse_tags(self.tags.data or "")


class CommentForm(FlaskForm):
    """Comment on a post."""

    body = TextAreaField("Comment", validators=[DataRequired(), Length(max=2000)])


class RoleForm(FlaskForm):
    """Give a user another role (admin page; one form per user, told apart by ``prefix``)."""

    role = SelectField("Role", validators=[DataRequired()])

    def __init__(self, role_names: t.Sequence[str], **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.role.choices = [(name, name) for name in role_names]
