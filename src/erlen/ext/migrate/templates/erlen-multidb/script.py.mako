<%!
from erlen import current_app


def database_names():
    """'' (the default database) and the app's bind keys, as env.py migrates them."""
    engines = current_app.extensions["migrate"].db.engines
    return [""] + sorted(key for key in engines if key is not None)
%>"""${message}

Revision ID: ${up_revision}
Revises:${" " + comma(down_revision) if down_revision else ""}
Create Date: ${create_date}

"""

import sqlalchemy as sa
from alembic import op
${imports + "\n" if imports else ""}
# revision identifiers, used by Alembic.
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade(engine_name):
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name):
    globals()[f"downgrade_{engine_name}"]()

% for name in database_names():

def upgrade_${name}():
    ${context.get(f"{name}_upgrades", "pass")}


def downgrade_${name}():
    ${context.get(f"{name}_downgrades", "pass")}

% endfor
