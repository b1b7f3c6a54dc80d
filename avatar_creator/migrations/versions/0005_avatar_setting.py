"""avatars.setting: where the person is (the picture's backdrop), an optional attribute like the others

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('avatars', schema=None) as batch_op:
        batch_op.add_column(sa.Column('setting', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('avatars', schema=None) as batch_op:
        batch_op.drop_column('setting')
