"""generations.retry_of: a retry remembers what it retries, uniquely, so a repeated retry charges once

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 10:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_of', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_generations_retry_of'), ['retry_of'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generations_retry_of'))
        batch_op.drop_column('retry_of')
