"""groups subscribed to spaces

``space_subscriptions``: a group follows a space, its members told of its changes and
mailed at once or in a daily or weekly digest of the space; ``subscription_opt_outs``:
members who chose not to. Notifications and mail messages name the subscription they came
through.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('space_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('digest_through', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_space_subscriptions_created_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_space_subscriptions_group_id_groups')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_space_subscriptions_space_id_spaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_space_subscriptions')),
    sa.UniqueConstraint('space_id', 'group_id', name='uq_space_subscriptions_space_id_group_id')
    )
    op.create_table('subscription_opt_outs',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['space_subscriptions.id'], name=op.f('fk_subscription_opt_outs_subscription_id_space_subscriptions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscription_opt_outs_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'subscription_id', name=op.f('pk_subscription_opt_outs'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mail_messages_subscription_id_space_subscriptions'), 'space_subscriptions', ['subscription_id'], ['id'])

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_subscription_id_space_subscriptions'), 'space_subscriptions', ['subscription_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_subscription_id_space_subscriptions'), type_='foreignkey')
        batch_op.drop_column('subscription_id')

    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mail_messages_subscription_id_space_subscriptions'), type_='foreignkey')
        batch_op.drop_column('subscription_id')

    op.drop_table('subscription_opt_outs')
    op.drop_table('space_subscriptions')
