"""accounts: sessions remember their address and last use; one-time links (reset, verify); verified emails

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 11:50:00
"""

import sqlalchemy as sa
from alembic import op

import avatar_creator.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', avatar_creator.db.UTCDateTime(timezone=True),
                                      nullable=True))

    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ip', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('last_seen_at', avatar_creator.db.UTCDateTime(timezone=True), nullable=True))
    # Existing sessions were last seen, as far as anyone knows, when they began.
    op.execute("UPDATE auth_sessions SET last_seen_at = created_at")
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=avatar_creator.db.UTCDateTime(timezone=True),
                              nullable=False)

    op.create_table('account_links',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', avatar_creator.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', avatar_creator.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("purpose IN ('reset', 'verify')", name=op.f('ck_account_links_known_purpose')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_links_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_links_token_hash'))
    )
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_links_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_links_user_id'))
    op.drop_table('account_links')
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('ip')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
