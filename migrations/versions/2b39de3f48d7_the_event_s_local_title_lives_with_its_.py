"""the event's local title lives with its translations

Revision ID: 2b39de3f48d7
Revises: bf544b7b2075
Create Date: 2026-11-30 01:36:21.663854

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b39de3f48d7'
down_revision = 'bf544b7b2075'
branch_labels = None
depends_on = None


events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("title_local", sa.String),
    sa.column("translations", sa.JSON),
)


def upgrade():
    # The Indonesian title becomes the Indonesian translation of the title,
    # unless the organisers have already given one.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(events.c.id, events.c.title_local, events.c.translations).where(
            events.c.title_local.is_not(None), events.c.title_local != ""
        )
    ).all()
    for event_id, title_local, translations in rows:
        translations = dict(translations or {})
        indonesian = dict(translations.get("id", {}))
        indonesian.setdefault("title", title_local)
        translations["id"] = indonesian
        connection.execute(
            events.update()
            .where(events.c.id == event_id)
            .values(translations=translations)
        )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('title_local')


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_local', sa.VARCHAR(length=200), nullable=True))
    connection = op.get_bind()
    for event_id, translations in connection.execute(
        sa.select(events.c.id, events.c.translations)
    ).all():
        title = (translations or {}).get("id", {}).get("title")
        if title:
            connection.execute(
                events.update().where(events.c.id == event_id).values(title_local=title)
            )
